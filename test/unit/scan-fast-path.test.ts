// The raw scan reads the common answers straight from the frame bytes (readPacketFields) and everything else
// through decodeFrame; both must say the same about every frame: what it is to the scan (own probe, kernel
// packet, answer to which port and try, foreign), how the technique classifies it, and what its exchange logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildTcpFrame,
  buildUdpFrame,
  decodeFrame,
  encodeEthernet,
  encodeIcmp,
  encodeIcmpv6,
  encodeIPv4,
  encodeIPv6,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  IPPROTO_DSTOPTS,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  mssOption,
  nopOption,
  sackPermittedOption,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  timestampOption,
  windowScaleOption,
} from '../../src/wire';
import { fieldsOfDecoded, LAYER_ICMP, LAYER_TCP, LAYER_UDP, PacketFields, readPacketFields } from '../../src/engine/packet-fields';
import { MATCH_ANSWER, MATCH_KERNEL, MATCH_NONE, MATCH_OWN, ProbeMatcher } from '../../src/engine/probe-matcher';
import { ExchangeLog } from '../../src/engine/exchange-log';
import { VerdictCache } from '../../src/engine/verdict-cache';
import { CONNECT_FOREIGN, CONNECT_ICMP_ERROR, CONNECT_IN, CONNECT_OUT, ConnectFrameReader } from '../../src/engine/connect-frames';
import { RAW_TECHNIQUES } from '../../src/technique';
import type { RawTechnique } from '../../src/technique';
import { generator, rng, seedFrames } from '../../scripts/fuzz';

// The fuzz corpus's addresses and its SYN (port 80, source port 40000, seq 12345): the scans below number
// their probes so that the corpus's answers to that SYN are answers to them.
const US = '198.18.200.1';
const TARGET = '198.18.200.2';
const US6 = '2001:2:0:200::1';
const TARGET6 = '2001:2:0:200::2';
const ROUTER = '198.18.201.1';
const US_MAC = '02:00:00:c8:00:01';
const TARGET_MAC = '02:00:00:c8:00:02';
const BASE = 40000;
const PORTS = [22, 23, 53, 80, 443];
const isnFor = (port: number, seq: number) => (seq - Math.imul(port, 0x9e3779b1)) >>> 0;
const ISN = isnFor(80, 12345);

interface Scan {
  name: string;
  matcher: ProbeMatcher;
  us: string;
  target: string;
  v6: boolean;
}
const scanOf = (technique: RawTechnique, us: string, target: string, v6 = false, sources?: string[]): Scan => ({
  name: `${technique.name} ${target}${sources ? ' --source-ips' : ''}`,
  matcher: new ProbeMatcher(technique, PORTS, sources ?? us, target, ISN, BASE),
  us,
  target,
  v6,
});
const SCANS: Scan[] = [
  scanOf(RAW_TECHNIQUES.syn, US, TARGET),
  scanOf(RAW_TECHNIQUES.fin, US, TARGET),
  scanOf(RAW_TECHNIQUES.window, US, TARGET),
  scanOf(RAW_TECHNIQUES.udp, US, TARGET),
  scanOf(RAW_TECHNIQUES.syn, US6, TARGET6, true),
  scanOf(RAW_TECHNIQUES.udp, US6, TARGET6, true),
  // on lo the target is our own address: probes and answers both go from it to it
  scanOf(RAW_TECHNIQUES.syn, '127.0.0.1', '127.0.0.1'),
  scanOf(RAW_TECHNIQUES.syn, US, TARGET, false, [US, '198.18.200.7', '198.18.200.8']),
];

/** What a scan makes of a frame: the match, the verdict and the logged packet, as plain data to compare. */
function outcome(scan: Scan, f: PacketFields, fast: boolean) {
  const m = scan.matcher;
  const kind = m.matchFields(f);
  if (kind === MATCH_NONE) return { kind };
  const log = new ExchangeLog();
  // as raw-scan.ts logs it: the matcher's address ids are turned into the log's, an unknown source by its text
  const srcId = f.srcId >= 0 ? log.addressId(m.addresses.texts[f.srcId]!) : log.addressId(f.srcText!);
  log.addFields(-1, f, kind === MATCH_KERNEL ? 'out' : 'in', 1.5, srcId, 7, kind === MATCH_KERNEL);
  const answer = kind === MATCH_ANSWER ? m.answerOf(f) : undefined;
  const verdict = answer ? new VerdictCache(m.technique, m).verdictOf(f) : undefined;
  if (answer) assert.deepEqual(verdict, m.technique.classify(answer), `${scan.name}: the cache classifies as the table (${fast ? 'fast' : 'decoded'})`);
  return { kind, index: m.index, attempt: kind === MATCH_OWN ? undefined : m.attempt, answer, verdict, ttl: f.ttl, logged: log.packets(0) };
}

/** The fields a packet has: its layers' (a layer it lacks keeps stale values, which nothing reads). */
function fieldsSeen(f: PacketFields) {
  const { ipVersion, protocol, ttl, ipLength, srcId, dstId, layer } = f;
  const seen: Record<string, unknown> = { ipVersion, protocol, ttl, ipLength, srcId, dstId, layer };
  if (layer === LAYER_TCP || layer === LAYER_UDP) Object.assign(seen, { srcPort: f.srcPort, dstPort: f.dstPort });
  if (layer === LAYER_TCP) Object.assign(seen, { seq: f.seq, ack: f.ack, flags: f.flags, window: f.window });
  if (layer === LAYER_ICMP) Object.assign(seen, { icmpType: f.icmpType, icmpCode: f.icmpCode, quoted: f.quoted });
  if (layer === LAYER_ICMP && f.quoted)
    Object.assign(seen, { qProtocol: f.qProtocol, qSrcId: f.qSrcId, qDstId: f.qDstId, qSrcPort: f.qSrcPort, qDstPort: f.qDstPort, qHasSeq: f.qHasSeq });
  if (layer === LAYER_ICMP && f.quoted && f.qHasSeq) seen.qSeq = f.qSeq;
  return seen;
}

/** Feeds one frame both ways; returns whether the fast path took it. */
function compare(scan: Scan, frame: Uint8Array, label: () => string): boolean {
  const slowFields = new PacketFields();
  const d = decodeFrame(frame);
  const decoded = d !== undefined && fieldsOfDecoded(d, slowFields, scan.matcher.addresses);
  const slow = decoded ? outcome(scan, slowFields, false) : { kind: MATCH_NONE };
  const fastFields = new PacketFields();
  if (!readPacketFields(frame, fastFields, scan.matcher.addresses)) return false;
  assert.ok(decoded, `${scan.name}: the fast path took a frame decodeFrame finds no IP packet in: ${label()}`);
  assert.deepEqual(fieldsSeen(fastFields), fieldsSeen(slowFields), `${scan.name}: ${label()}`);
  assert.deepEqual(outcome(scan, fastFields, true), slow, `${scan.name}: ${label()}`);
  return true;
}

/** The frames a scan meets: its own probes as they leave, the target's answers, ICMP errors quoting the probes, our kernel's packets. */
function scanFrames(scan: Scan): Uint8Array[] {
  const { matcher: m, us, target, v6 } = scan;
  const frames: Uint8Array[] = [];
  const tcp = m.technique.protocol === 'tcp';
  const flags = tcp && m.technique.probe.flags;
  const ip = (src: string, dst: string, protocol: number, payload: Uint8Array) =>
    v6
      ? encodeEthernet(US_MAC, TARGET_MAC, ETHERTYPE_IPV6, encodeIPv6({ src, dst, nextHeader: protocol, hopLimit: 61 }, payload))
      : encodeEthernet(US_MAC, TARGET_MAC, ETHERTYPE_IPV4, encodeIPv4({ src, dst, protocol, ttl: 61 }, payload));
  const link = { srcMac: TARGET_MAC, dstMac: US_MAC };
  m.ports.forEach((port, index) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const src = m.source(index, attempt);
      const srcPort = m.sourcePort(attempt);
      const seq = m.seq(index, attempt);
      const probeFrame = tcp
        ? m.technique.probeTemplate!({ srcIp: src, dstIp: target, srcPort, srcMac: US_MAC, dstMac: TARGET_MAC }).fill(port, seq, srcPort).slice()
        : encodeEthernet(
            TARGET_MAC,
            US_MAC,
            v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4,
            m.technique.buildProbe({ srcIp: src, dstIp: target, srcPort, dstPort: port, seq }),
          );
      frames.push(probeFrame);
      const probeIp = probeFrame.subarray(14);
      const ack = m.technique.expectedAck(seq) ?? 0;
      if (tcp) {
        for (const f of [TCP_SYN | TCP_ACK, TCP_RST | TCP_ACK, TCP_RST, TCP_ACK, TCP_SYN, TCP_FIN | TCP_ACK, TCP_RST | TCP_SYN])
          for (const a of [ack, ack + 1])
            for (const window of [0, 29200])
              frames.push(buildTcpFrame({ ...link, srcIp: target, dstIp: src, srcPort: port, dstPort: srcPort, seq: 999, ack: a, flags: f, window, ttl: 64 }));
        // our kernel's reset of a SYN/ACK, and a probe with other flags (not ours)
        frames.push(buildTcpFrame({ srcMac: US_MAC, dstMac: TARGET_MAC, srcIp: src, dstIp: target, srcPort, dstPort: port, seq: seq + 1, flags: TCP_RST }));
        frames.push(
          buildTcpFrame({ srcMac: US_MAC, dstMac: TARGET_MAC, srcIp: src, dstIp: target, srcPort, dstPort: port, seq, flags: (flags || 0) ^ TCP_ACK }),
        );
      } else {
        frames.push(buildUdpFrame({ ...link, srcIp: target, dstIp: src, srcPort: port, dstPort: srcPort, payload: new Uint8Array(12) }));
      }
      // ICMP errors quoting every length of the probe up to its ports and sequence number and the whole
      // probe, from the target and from a router
      const cuts = Array.from({ length: (v6 ? 48 : 28) + 1 }, (_, n) => probeIp.subarray(0, n));
      for (const quoted of attempt === 0 ? [...cuts, probeIp] : [cuts.at(-1)!, probeIp])
        for (const from of [target, v6 ? '2001:2:0:201::1' : ROUTER])
          for (const [type, code] of v6
            ? [
                [1, 1],
                [1, 4],
                [3, 0],
              ]
            : [
                [3, 3],
                [3, 13],
                [11, 0],
              ])
            frames.push(
              v6
                ? ip(from, src, IPPROTO_ICMPV6, encodeIcmpv6({ type: type!, code: code!, payload: quoted }, from, src))
                : ip(from, src, IPPROTO_ICMP, encodeIcmp({ type: type!, code: code!, payload: quoted })),
            );
      if (!tcp) {
        // our kernel's port-unreachable for the target's reply
        const reply = buildUdpFrame({ ...link, srcIp: target, dstIp: src, srcPort: port, dstPort: srcPort, payload: new Uint8Array(4) }).subarray(14);
        frames.push(
          v6
            ? ip(src, target, IPPROTO_ICMPV6, encodeIcmpv6({ type: 1, code: 4, payload: reply }, src, target))
            : ip(src, target, IPPROTO_ICMP, encodeIcmp({ type: 3, code: 3, payload: reply })),
        );
      }
    }
  });
  // an IPv6 answer behind a destination options header: decodeFrame walks it, the fast path leaves it
  if (v6) frames.push(ip(target, us, IPPROTO_DSTOPTS, Uint8Array.of(6, 0, 1, 4, 0, 0, 0, 0, ...new Uint8Array(20))));
  return frames;
}

test('every frame a scan meets is read the same straight from its bytes as through decodeFrame, and the fast path takes the common ones', () => {
  for (const scan of SCANS) {
    const frames = scanFrames(scan);
    let answers = 0;
    for (const [k, frame] of frames.entries()) {
      const took = compare(scan, frame, () => `frame ${k} ${Buffer.from(frame).toString('hex')}`);
      // all but an ICMP error from a router (a source the scan does not know) and IPv6 extension headers
      const ip = decodeFrame(frame)!.ip ?? decodeFrame(frame)!.ip6!;
      const common = scan.matcher.addresses.idOf(ip.src) >= 0 && !('extensions' in ip && ip.extensions.length > 0);
      assert.equal(took, common, `${scan.name}: frame ${k} ${common ? 'left to decodeFrame' : 'taken'}: ${Buffer.from(frame).toString('hex')}`);
      const f = new PacketFields();
      if (took && readPacketFields(frame, f, scan.matcher.addresses) && scan.matcher.matchFields(f) === MATCH_ANSWER) answers++;
    }
    assert.ok(answers > 0, `${scan.name}: answers are matched on the fast path`);
  }
});

test('mutated scan frames and the fuzz corpus (truncated, bit-flipped, lying lengths): both ways agree', () => {
  const seed = Date.now() % 2 ** 31;
  const random = rng(seed);
  const seeds = [...seedFrames(), ...SCANS.flatMap(scanFrames)];
  const next = generator(random, seeds);
  let taken = 0;
  let matched = 0;
  const FRAMES = 60_000;
  for (let k = 0; k < FRAMES; k++) {
    const frame = next();
    const scan = SCANS[k % SCANS.length]!;
    if (compare(scan, frame, () => `seed ${seed}, frame ${k}: ${Buffer.from(frame).toString('hex')}`)) {
      taken++;
      const f = new PacketFields();
      readPacketFields(frame, f, scan.matcher.addresses);
      if (scan.matcher.matchFields(f) !== MATCH_NONE) matched++;
    }
  }
  // the generator reaches both paths, and matched frames among the odd ones
  assert.ok(taken > 1000 && taken < FRAMES && matched > 100, `seed ${seed}: fast path ${taken}, matched ${matched}`);
});

test("the fuzz corpus's SYN/ACK answers the SYN scan's probe of port 80 on the fast path", () => {
  const scan = SCANS[0]!;
  const synAck = buildTcpFrame({
    srcMac: TARGET_MAC,
    dstMac: US_MAC,
    srcIp: TARGET,
    dstIp: US,
    srcPort: 80,
    dstPort: BASE,
    seq: 1,
    ack: 12346,
    flags: TCP_SYN | TCP_ACK,
  });
  const f = new PacketFields();
  assert.ok(readPacketFields(synAck, f, scan.matcher.addresses));
  assert.equal(scan.matcher.matchFields(f), MATCH_ANSWER);
  assert.deepEqual([scan.matcher.index, scan.matcher.attempt], [PORTS.indexOf(80), 0]);
  assert.deepEqual(new VerdictCache(scan.matcher.technique, scan.matcher).verdictOf(f), { state: 'open', reason: 'syn-ack' });
});

// The connect scan's capture: the kernel's handshakes and teardowns and the ICMP errors they draw, read the
// same way (ConnectFrameReader, straight from the bytes or through decodeFrame) and logged as the exchange
// logged them from decodeFrame's objects (ExchangeLog.addDecoded).
interface ConnectScan {
  name: string;
  us: string;
  target: string;
  router: string;
  v6: boolean;
}
const CONNECT_PORTS = [22, 80, 443, 8080];
const CONNECT_SCANS: ConnectScan[] = [
  { name: 'connect', us: US, target: TARGET, router: ROUTER, v6: false },
  { name: 'connect -6', us: US6, target: TARGET6, router: '2001:2:0:201::1', v6: true },
  // on lo the scanner and the target are one address: the scanned port tells the direction
  { name: 'connect lo', us: '127.0.0.1', target: '127.0.0.1', router: ROUTER, v6: false },
  { name: 'connect -6 lo', us: '::1', target: '::1', router: '2001:2:0:201::1', v6: true },
];
const connectReader = (scan: ConnectScan) => {
  const indexOfPort = new Int32Array(65536).fill(-1);
  CONNECT_PORTS.forEach((p, i) => (indexOfPort[p] = i));
  return new ConnectFrameReader(indexOfPort, scan.us, scan.target);
};
const CONNECT_DIR = { [CONNECT_OUT]: 'out', [CONNECT_IN]: 'in', [CONNECT_ICMP_ERROR]: 'in' } as const;

/** What the connect scan makes of a frame: which port, which way, and the exchange entry it logs. */
function connectOutcome(r: ConnectFrameReader, kind: number) {
  if (kind === CONNECT_FOREIGN) return { kind };
  const f = r.fields;
  const log = new ExchangeLog();
  const srcId = log.addressId(f.srcId >= 0 ? r.addresses.texts[f.srcId]! : f.srcText!);
  log.addFields(-1, f, CONNECT_DIR[kind as keyof typeof CONNECT_DIR], 1.5, srcId, 7, false, kind === CONNECT_OUT ? 2 : undefined);
  return { kind, index: r.index, fields: fieldsSeen(f), logged: log.packets(0) };
}

/** Reads one frame both ways and against decodeFrame's log entry; returns the kind and whether the fast path took it. */
function compareConnect(scan: ConnectScan, frame: Uint8Array, label: () => string): { kind: number; fast: boolean } {
  const fastReader = connectReader(scan);
  const slowReader = connectReader(scan);
  const kind = fastReader.read(frame);
  const fast = readPacketFields(frame, new PacketFields(), fastReader.addresses);
  const fastOutcome = connectOutcome(fastReader, kind);
  assert.deepEqual(fastOutcome, connectOutcome(slowReader, slowReader.readDecoded(frame)), `${scan.name}: ${label()}`);
  if (kind !== CONNECT_FOREIGN) {
    const log = new ExchangeLog();
    const dir = CONNECT_DIR[kind as keyof typeof CONNECT_DIR];
    log.addDecoded(-1, decodeFrame(frame)!, dir, 1.5, { frame: 7, retry: kind === CONNECT_OUT ? 2 : undefined });
    assert.deepEqual('logged' in fastOutcome && fastOutcome.logged, log.packets(0), `${scan.name}: logged as from decodeFrame: ${label()}`);
  }
  return { kind, fast };
}

interface ConnectFrame {
  frame: Uint8Array;
  kind: number;
  index?: number;
  /** whether readPacketFields reads it: all but a router's ICMP errors, another host's and IPv6 extension headers */
  fast: boolean;
  what: string;
}

/** The frames a connect scan's capture meets, each with the reading it must get (kind, port index, path). */
function connectFrames(scan: ConnectScan): ConnectFrame[] {
  const { us, target, router, v6 } = scan;
  const out: ConnectFrame[] = [];
  const toTarget = { srcMac: US_MAC, dstMac: TARGET_MAC, srcIp: us, dstIp: target, ttl: 64 };
  const fromTarget = { srcMac: TARGET_MAC, dstMac: US_MAC, srcIp: target, dstIp: us, ttl: 64 };
  const synOptions = [mssOption(1460), sackPermittedOption(), timestampOption(123456, 0), nopOption(), windowScaleOption(7)];
  const ip = (src: string, dst: string, protocol: number, payload: Uint8Array) =>
    v6
      ? encodeEthernet(US_MAC, TARGET_MAC, ETHERTYPE_IPV6, encodeIPv6({ src, dst, nextHeader: protocol, hopLimit: 61 }, payload))
      : encodeEthernet(US_MAC, TARGET_MAC, ETHERTYPE_IPV4, encodeIPv4({ src, dst, protocol, ttl: 61 }, payload));
  CONNECT_PORTS.forEach((port, index) => {
    const eph = 40000 + index;
    const seg = (dir: 'out' | 'in', flags: number, extra: { seq?: number; ack?: number; options?: typeof synOptions; payload?: Uint8Array } = {}) =>
      dir === 'out'
        ? buildTcpFrame({ ...toTarget, srcPort: eph, dstPort: port, seq: extra.seq ?? 1000, ack: extra.ack ?? 0, flags, window: 64240, ...extra })
        : buildTcpFrame({ ...fromTarget, srcPort: port, dstPort: eph, seq: extra.seq ?? 5000, ack: extra.ack ?? 1001, flags, window: 65160, ...extra });
    const syn = seg('out', TCP_SYN, { options: synOptions });
    const shapes: [string, 'out' | 'in', Uint8Array][] = [
      ['S with options', 'out', syn],
      ['S retransmitted', 'out', seg('out', TCP_SYN, { options: synOptions })],
      [
        'SA with options',
        'in',
        seg('in', TCP_SYN | TCP_ACK, { options: [mssOption(1460), sackPermittedOption(), timestampOption(9, 123456), nopOption(), windowScaleOption(7)] }),
      ],
      ['A', 'out', seg('out', TCP_ACK, { seq: 1001, ack: 5001, options: [nopOption(), nopOption(), timestampOption(123457, 9)] })],
      ['PA (a banner)', 'in', seg('in', TCP_PSH | TCP_ACK, { seq: 5001, payload: new TextEncoder().encode('SSH-2.0-OpenSSH_9.2\r\n') })],
      ['RA (closed)', 'in', seg('in', TCP_RST | TCP_ACK, { seq: 0 })],
      ['R (SO_LINGER 0 close)', 'out', seg('out', TCP_RST, { seq: 1001 })],
      ['R from the target', 'in', seg('in', TCP_RST, { seq: 5001, ack: 0 })],
      ['FA from us', 'out', seg('out', TCP_FIN | TCP_ACK, { seq: 1001, ack: 5001 })],
      ['FA from the target', 'in', seg('in', TCP_FIN | TCP_ACK, { seq: 5001, ack: 1002 })],
      ['A of the FIN', 'out', seg('out', TCP_ACK, { seq: 1002, ack: 5002 })],
    ];
    for (const [what, dir, frame] of shapes) out.push({ frame, kind: dir === 'out' ? CONNECT_OUT : CONNECT_IN, index, fast: true, what: `${what} :${port}` });
    // ICMP errors quoting the SYN: every length up to its ports, and the whole SYN, from the target and a router
    const synIp = syn.subarray(14);
    const portsAt = (v6 ? 40 : 20) + 4;
    const lengths = [...Array.from({ length: portsAt + 5 }, (_, n) => n), synIp.length];
    for (const n of lengths)
      for (const from of [target, router])
        for (const [type, code] of v6
          ? [
              [1, 1],
              [1, 4],
            ]
          : [
              [3, 3],
              [3, 13],
            ]) {
          const payload = synIp.subarray(0, n);
          const frame = v6
            ? ip(from, us, IPPROTO_ICMPV6, encodeIcmpv6({ type: type!, code: code!, payload }, from, us))
            : ip(from, us, IPPROTO_ICMP, encodeIcmp({ type: type!, code: code!, payload }));
          out.push({
            frame,
            kind: n >= portsAt ? CONNECT_ICMP_ERROR : CONNECT_FOREIGN,
            index: n >= portsAt ? index : undefined,
            fast: from === target,
            what: `ICMP ${type}/${code} from ${from} quoting ${n} bytes :${port}`,
          });
        }
  });
  // none of the scan's: a port not scanned, another host, UDP
  const other = v6 ? '2001:2:0:200::9' : '198.18.200.9';
  out.push({
    frame: buildTcpFrame({ ...fromTarget, srcPort: 9999, dstPort: 40000, seq: 1, flags: TCP_RST | TCP_ACK }),
    kind: CONNECT_FOREIGN,
    fast: true,
    what: 'a port not scanned',
  });
  out.push({
    frame: buildTcpFrame({ ...fromTarget, srcIp: other, srcPort: 80, dstPort: 40000, seq: 1, flags: TCP_SYN | TCP_ACK }),
    kind: CONNECT_FOREIGN,
    fast: false,
    what: 'another host',
  });
  out.push({ frame: buildUdpFrame({ ...fromTarget, srcPort: 80, dstPort: 40000 }), kind: CONNECT_FOREIGN, fast: true, what: 'UDP' });
  // an IPv6 SYN/ACK behind a destination options header: decodeFrame walks it, the fast path leaves it
  if (v6) {
    const synAck = buildTcpFrame({ ...fromTarget, srcPort: 80, dstPort: 40001, seq: 1, ack: 1001, flags: TCP_SYN | TCP_ACK }).subarray(54);
    out.push({
      frame: ip(target, us, IPPROTO_DSTOPTS, Uint8Array.of(6, 0, 1, 4, 0, 0, 0, 0, ...synAck)),
      kind: CONNECT_IN,
      index: 1,
      fast: false,
      what: 'SA behind a destination options header',
    });
  }
  return out;
}

test("the connect scan's capture (S with options, SA, A, PA, RA, R, FIN exchanges, ICMP errors; IPv4, IPv6, lo) is read the same straight from the bytes as through decodeFrame", () => {
  for (const scan of CONNECT_SCANS) {
    let fastAnswers = 0;
    for (const { frame, kind, index, fast, what } of connectFrames(scan)) {
      const got = compareConnect(scan, frame, () => `${what}: ${Buffer.from(frame).toString('hex')}`);
      const r = connectReader(scan);
      assert.deepEqual([got.kind, got.kind === CONNECT_FOREIGN ? undefined : (r.read(frame), r.index)], [kind, index], `${scan.name}: ${what}`);
      if (kind !== CONNECT_FOREIGN && got.fast) fastAnswers++;
      assert.equal(got.fast, fast, `${scan.name}: ${what} ${fast ? 'is read on the fast path' : 'is left to decodeFrame'}`);
    }
    assert.ok(fastAnswers > 0, `${scan.name}: the fast path reads the exchanges`);
  }
});

test("mutated frames of the connect scan's capture: both ways read the same and log what decodeFrame's objects log", () => {
  const seed = Date.now() % 2 ** 31;
  const next = generator(
    rng(seed),
    CONNECT_SCANS.flatMap((s) => connectFrames(s).map((c) => c.frame)),
  );
  let taken = 0;
  let ours = 0;
  const FRAMES = 30_000;
  for (let k = 0; k < FRAMES; k++) {
    const frame = next();
    const got = compareConnect(CONNECT_SCANS[k % CONNECT_SCANS.length]!, frame, () => `seed ${seed}, frame ${k}: ${Buffer.from(frame).toString('hex')}`);
    if (got.fast) taken++;
    if (got.kind !== CONNECT_FOREIGN) ours++;
  }
  assert.ok(taken > 1000 && taken < FRAMES && ours > 100, `seed ${seed}: fast path ${taken}, the scan's ${ours}`);
});
