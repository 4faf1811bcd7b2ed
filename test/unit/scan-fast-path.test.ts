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
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
} from '../../src/wire';
import { fieldsOfDecoded, LAYER_ICMP, LAYER_TCP, LAYER_UDP, PacketFields, readPacketFields } from '../../src/engine/packet-fields';
import { MATCH_ANSWER, MATCH_KERNEL, MATCH_NONE, MATCH_OWN, ProbeMatcher } from '../../src/engine/probe-matcher';
import { ExchangeLog } from '../../src/engine/exchange-log';
import { VerdictCache } from '../../src/engine/verdict-cache';
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
