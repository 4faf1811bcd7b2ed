// Fuzz campaign for the packet decoders and the pcap reader: `npm run fuzz -- --frames N --seconds S [--seed X]`.
// Generated inputs: random bytes, truncations and bit flips of real frames (IPv4 and IPv6), wrong lengths /
// checksums / header lengths, ICMP and ICMPv6 errors quoting garbage, IPv6 extension header chains of random
// types and lengths, and pcap files built from all of those then mangled.
// Runs in a worker thread so a hang (a decoder stuck in a loop) is caught by a watchdog, not waited on.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Command, InvalidArgumentError } from 'commander';
import {
  buildIcmpEchoFrame,
  buildTcpFrame,
  buildUdpFrame,
  buildArpRequest,
  buildIcmpv6EchoFrame,
  buildNeighborSolicitation,
  decodeFrame,
  decodeIpPacket,
  decodeIPv4Packet,
  decodeIPv6Packet,
  encodeEthernet,
  encodeIcmp,
  encodeIcmpv6,
  encodeIPv4,
  encodeIPv6,
  mssOption,
  sackPermittedOption,
  timestampOption,
  windowScaleOption,
  nopOption,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  TCP_SYN,
  TCP_ACK,
  TCP_RST,
} from '../src/wire';
import { readPcap, readPcapFile } from '../src/wire/pcap';

export interface FuzzOptions {
  frames: number;
  seconds: number;
  seed: number;
}

export interface FuzzReport {
  seed: number;
  frames: number;
  /** decodeFrame results with a layer above Ethernet (ARP, IPv4 or IPv6) */
  decoded: number;
  /** of those, IPv6 ones */
  decoded6: number;
  /** decodeFrame results that were undefined or Ethernet only */
  rejected: number;
  /** decodeIPv4Packet calls, and how many gave a packet */
  ipCalls: number;
  ipDecoded: number;
  /** decodeIPv6Packet calls, and how many gave a packet */
  ip6Calls: number;
  ip6Decoded: number;
  pcapFiles: number;
  pcapRecords: number;
  pcapTruncated: number;
  pcapErrors: number;
  throws: number;
  firstThrows: { input: string; error: string }[];
  seconds: number;
}

/** mulberry32: small, fast and seedable, so a failing input can be regenerated from the seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const A = { srcMac: '02:00:00:c8:00:01', dstMac: '02:00:00:c8:00:02', srcIp: '198.18.200.1', dstIp: '198.18.200.2' };
const B = { srcMac: A.dstMac, dstMac: A.srcMac, srcIp: A.dstIp, dstIp: A.srcIp };
const A6 = { srcMac: A.srcMac, dstMac: A.dstMac, srcIp: '2001:2:0:200::1', dstIp: '2001:2:0:200::2' };
const B6 = { srcMac: A.dstMac, dstMac: A.srcMac, srcIp: A6.dstIp, dstIp: A6.srcIp };
/** IPv6 extension header types the decoder skips (hop-by-hop, routing, fragment, destination options), and a few it does not */
const EXTENSION_TYPES = [0, 43, 44, 60, 51, 59, 135];

/** Well-formed seeds: the committed real captures plus builder output covering every layer and option. */
export function seedFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const captures = resolve(fileURLToPath(import.meta.url), '../../test/fixtures/captures');
  for (const name of readdirSync(captures).filter((f) => f.endsWith('.pcap'))) {
    for (const r of readPcapFile(join(captures, name)).records) frames.push(Uint8Array.from(r.data));
  }
  // IPv6 frames scapy built: extension header chains, fragments, ICMPv6 errors and neighbour discovery
  const scapy = JSON.parse(readFileSync(resolve(fileURLToPath(import.meta.url), '../../test/fixtures/ipv6/scapy-packets.json'), 'utf8')) as Record<
    string,
    string
  >;
  for (const h of Object.values(scapy)) frames.push(Uint8Array.from(Buffer.from(h, 'hex')));
  const syn = buildTcpFrame({
    ...A,
    srcPort: 40000,
    dstPort: 80,
    seq: 12345,
    flags: TCP_SYN,
    options: [mssOption(1460), sackPermittedOption(), timestampOption(1, 0), nopOption(), windowScaleOption(7)],
  });
  frames.push(
    syn,
    buildTcpFrame({ ...B, srcPort: 80, dstPort: 40000, seq: 1, ack: 12346, flags: TCP_SYN | TCP_ACK, payload: new Uint8Array(20) }),
    buildTcpFrame({ ...B, srcPort: 23, dstPort: 40000, seq: 0, ack: 12346, flags: TCP_RST | TCP_ACK }),
    buildUdpFrame({ ...A, srcPort: 40000, dstPort: 53, payload: new Uint8Array(29).fill(1) }),
    buildIcmpEchoFrame({ ...A, echoId: 1, echoSeq: 2, payload: new Uint8Array(8) }),
    buildArpRequest({ srcMac: A.srcMac, srcIp: A.srcIp, targetIp: A.dstIp }),
    // IP options (record route) in both the packet and the quoted header of an ICMP error
    encodeEthernet(
      B.dstMac,
      B.srcMac,
      ETHERTYPE_IPV4,
      encodeIPv4(
        { src: B.srcIp, dst: B.dstIp, protocol: IPPROTO_ICMP, options: Uint8Array.of(7, 7, 4, 0, 0, 0, 0) },
        encodeIcmp({ type: 3, code: 3, payload: syn.subarray(14, 14 + 48) }),
      ),
    ),
    buildTcpFrame({ ...A6, srcPort: 40000, dstPort: 80, seq: 12345, flags: TCP_SYN, options: [mssOption(1460)] }),
    buildTcpFrame({ ...B6, srcPort: 80, dstPort: 40000, seq: 1, ack: 12346, flags: TCP_SYN | TCP_ACK }),
    buildUdpFrame({ ...A6, srcPort: 40000, dstPort: 53, payload: new Uint8Array(17).fill(1) }),
    buildIcmpv6EchoFrame({ ...A6, echoId: 1, echoSeq: 2, payload: new Uint8Array(8) }),
    buildNeighborSolicitation({ srcMac: A6.srcMac, srcIp: A6.srcIp, targetIp: A6.dstIp }),
  );
  return frames;
}

/** One generated input per call, built from the seeds by one of the mutation kinds. */
export function generator(random: () => number, seeds: Uint8Array[]): () => Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  const pick = () => seeds[int(seeds.length)]!;
  const randomBytes = (n: number) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const flipBits = (b: Uint8Array, n: number) => {
    for (let i = 0; i < n && b.length > 0; i++) b[int(b.length)]! ^= 1 << int(8);
    return b;
  };
  /** offsets of length / header-length / checksum / type fields in an Ethernet + IPv4 frame */
  const sensitive = (b: Uint8Array): number[] => {
    const ihl = ((b[14] ?? 0x45) & 15) * 4;
    const l4 = 14 + ihl;
    return [14, 16, 17, 20, 23, 24, 25, l4 + 4, l4 + 5, l4 + 12, l4 + 16, l4 + 17, l4, l4 + 1, l4 + 2, l4 + 3, l4 + 8, l4 + 28, l4 + 29, 12, 13];
  };
  /** an IPv6 packet whose payload is a chain of extension headers of random types and lengths, then random bytes */
  const extensionChain = () => {
    const upper = [6, 17, 58][int(3)]!;
    const types = Array.from({ length: int(12) }, () => EXTENSION_TYPES[int(EXTENSION_TYPES.length)]!);
    const parts: number[] = [];
    types.forEach((_, i) => {
      const units = int(3);
      parts.push(types[i + 1] ?? upper, units, ...randomBytes(6 + units * 8));
    });
    parts.push(...randomBytes(int(60)));
    const packet = encodeIPv6({ src: B6.srcIp, dst: B6.dstIp, nextHeader: types[0] ?? upper }, Uint8Array.from(parts));
    const f = encodeEthernet(B6.dstMac, B6.srcMac, ETHERTYPE_IPV6, packet);
    return random() < 0.3 ? flipBits(f, 1 + int(4)) : f;
  };
  return () => {
    switch (int(9)) {
      case 0:
        return randomBytes(int(120));
      case 1: {
        const f = pick();
        return f.slice(0, int(f.length + 1));
      }
      case 2:
        return flipBits(pick().slice(), 1 + int(8));
      case 3: {
        const f = pick().slice();
        const at = sensitive(f);
        for (let i = 0, n = 1 + int(3); i < n; i++) {
          const o = at[int(at.length)]!;
          if (o < f.length) f[o] = random() < 0.5 ? int(256) : [0, 0xff, 0x40, 0x45, 0x4f, 0x05, 0xf0, 0x50][int(8)]!;
        }
        return f;
      }
      case 4: {
        // an ICMP error (type 3/4/5/11/12) quoting garbage: random bytes of random length, often IPv4-looking
        const quote = randomBytes(int(80));
        if (quote.length > 0 && random() < 0.7) quote[0] = 0x40 | int(16);
        const icmp = encodeIcmp({ type: [3, 4, 5, 11, 12][int(5)]!, code: int(16), payload: quote });
        const f = encodeEthernet(B.dstMac, B.srcMac, ETHERTYPE_IPV4, encodeIPv4({ src: B.srcIp, dst: B.dstIp, protocol: IPPROTO_ICMP }, icmp));
        return random() < 0.3 ? flipBits(f, 1 + int(4)) : f;
      }
      case 7: {
        // an ICMPv6 error (type 1-4) quoting garbage, often IPv6-looking
        const quote = randomBytes(int(120));
        if (quote.length > 0 && random() < 0.7) quote[0] = 0x60 | int(16);
        if (quote.length > 6 && random() < 0.5) quote[6] = EXTENSION_TYPES[int(EXTENSION_TYPES.length)]!;
        const icmp = encodeIcmpv6({ type: 1 + int(4), code: int(8), payload: quote }, B6.srcIp, B6.dstIp);
        const f = encodeEthernet(B6.dstMac, B6.srcMac, ETHERTYPE_IPV6, encodeIPv6({ src: B6.srcIp, dst: B6.dstIp, nextHeader: IPPROTO_ICMPV6 }, icmp));
        return random() < 0.3 ? flipBits(f, 1 + int(4)) : f;
      }
      case 8:
        return extensionChain();
      case 5: {
        // real frame with garbage appended (padding, or a lying totalLength now "fits")
        const f = pick();
        const out = new Uint8Array(f.length + int(64));
        out.set(f);
        out.set(randomBytes(out.length - f.length), f.length);
        return random() < 0.5 ? flipBits(out, 1 + int(3)) : out;
      }
      default: {
        // a frame whose IP header is replaced by random bytes with version 4 kept
        const f = pick().slice();
        for (let i = 14; i < Math.min(f.length, 14 + 20 + int(40)); i++) f[i] = int(256);
        if (f.length > 14) f[14] = 0x40 | int(16);
        return f;
      }
    }
  };
}

function pcapOf(records: Uint8Array[], random: () => number): Uint8Array {
  const size = 24 + records.reduce((n, r) => n + 16 + r.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  const le = random() < 0.5;
  v.setUint32(0, random() < 0.5 ? 0xa1b2c3d4 : 0xa1b23c4d, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(16, 65535, le);
  v.setUint32(20, random() < 0.8 ? 1 : 101, le);
  let o = 24;
  for (const r of records) {
    v.setUint32(o, Math.floor(random() * 2 ** 32), le);
    v.setUint32(o + 4, Math.floor(random() * 1e9), le);
    v.setUint32(o + 8, r.length, le);
    v.setUint32(o + 12, r.length, le);
    out.set(r, o + 16);
    o += 16 + r.length;
  }
  return out;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/**
 * The campaign itself, synchronous; `heartbeat` is called every 1,000 frames with the count so far.
 * Stops after `frames` frames or `seconds` seconds, whichever comes first.
 */
export function runFuzz(o: FuzzOptions, heartbeat: (frames: number) => void = () => {}): FuzzReport {
  const random = rng(o.seed);
  const next = generator(random, seedFrames());
  const report: FuzzReport = {
    seed: o.seed,
    frames: 0,
    decoded: 0,
    decoded6: 0,
    rejected: 0,
    ipCalls: 0,
    ipDecoded: 0,
    ip6Calls: 0,
    ip6Decoded: 0,
    pcapFiles: 0,
    pcapRecords: 0,
    pcapTruncated: 0,
    pcapErrors: 0,
    throws: 0,
    firstThrows: [],
    seconds: 0,
  };
  const started = Date.now();
  const deadline = started + o.seconds * 1000;
  const batch: Uint8Array[] = [];
  const guard = (input: Uint8Array, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      report.throws++;
      if (report.firstThrows.length < 5) report.firstThrows.push({ input: hex(input), error: String((err as Error)?.stack ?? err) });
    }
  };
  while (report.frames < o.frames) {
    if (report.frames % 1000 === 0) {
      heartbeat(report.frames);
      if (Date.now() > deadline) break;
    }
    const frame = next();
    report.frames++;
    guard(frame, () => {
      const f = decodeFrame(frame);
      if (f && (f.ip || f.ip6 || f.arp)) report.decoded++;
      else report.rejected++;
      if (f?.ip6) report.decoded6++;
    });
    for (const bare of [frame.subarray(14), frame]) {
      guard(bare, () => {
        report.ipCalls++;
        if (decodeIPv4Packet(bare)) report.ipDecoded++;
        report.ip6Calls++;
        if (decodeIPv6Packet(bare)) report.ip6Decoded++;
      });
    }
    batch.push(frame);
    if (batch.length === 16) {
      // every 16 frames also become a pcap file, read whole, cut, and with its headers mangled
      const file = pcapOf(batch, random);
      batch.length = 0;
      const variants = [file, file.slice(0, Math.floor(random() * file.length)), file.slice()];
      const mangled = variants[2]!;
      for (let i = 0, n = 1 + Math.floor(random() * 6); i < n; i++) {
        const at = random() < 0.5 ? Math.floor(random() * Math.min(64, mangled.length)) : Math.floor(random() * mangled.length);
        mangled[at] = Math.floor(random() * 256);
      }
      for (const bytes of variants) {
        guard(bytes, () => {
          const r = readPcap(bytes);
          report.pcapFiles++;
          report.pcapRecords += r.records.length;
          if (r.truncated) report.pcapTruncated++;
          if (r.error) report.pcapErrors++;
          for (const rec of r.records) (r.linkType === 101 ? decodeIpPacket : decodeFrame)(rec.data);
        });
      }
    }
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/**
 * runFuzz in a worker thread watched from this one: if the worker's heartbeat stops for
 * `hangSeconds`, it is terminated and the result says hung (with the frame count it stopped at).
 */
export function runFuzzWithWatchdog(o: FuzzOptions, hangSeconds = 10): Promise<{ report?: FuzzReport; hung?: { atFrame: number }; crashed?: string }> {
  return new Promise((done) => {
    // The worker loads this file again through tsx's require hook: workers do not inherit `--import tsx`.
    const tsx = createRequire(import.meta.url).resolve('tsx/cjs');
    const worker = new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(fileURLToPath(import.meta.url))});`, { eval: true, workerData: o });
    let lastBeat = Date.now();
    let atFrame = 0;
    const watchdog = setInterval(() => {
      if (Date.now() - lastBeat > hangSeconds * 1000) {
        clearInterval(watchdog);
        void worker.terminate();
        done({ hung: { atFrame } });
      }
    }, 500);
    worker.on('message', (m: { beat?: number; report?: FuzzReport }) => {
      lastBeat = Date.now();
      if (m.beat !== undefined) atFrame = m.beat;
      if (m.report) {
        clearInterval(watchdog);
        done({ report: m.report });
      }
    });
    worker.on('error', (err) => {
      clearInterval(watchdog);
      done({ crashed: String(err.stack ?? err) });
    });
  });
}

function nonNegative(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0`);
    return n;
  };
}

function parseArgs(argv: string[]): FuzzOptions {
  return (
    new Command('npm run fuzz --')
      .description('fuzz the packet decoders and the pcap reader with generated frames')
      .option('--frames <n>', 'frames to generate', nonNegative('--frames'), 1_000_000)
      .option('--seconds <s>', 'time limit; stopping at it before --frames is a failure', nonNegative('--seconds'), 300)
      .option('--seed <x>', 'seed of the generator (a failure prints it)', nonNegative('--seed'), Date.now() % 2 ** 31)
      // bad arguments exit 2 like the portlab CLI; a failed campaign exits 1
      .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
      .parse(argv, { from: 'user' })
      .opts<FuzzOptions>()
  );
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  process.stdout.write(`fuzzing up to ${o.frames.toLocaleString('en')} frames or ${o.seconds} s, seed ${o.seed}\n`);
  const result = await runFuzzWithWatchdog(o);
  if (result.hung) {
    process.stderr.write(`HANG: no progress for 10 s after frame ${result.hung.atFrame} (seed ${o.seed})\n`);
    process.exit(1);
  }
  if (result.crashed || !result.report) {
    process.stderr.write(`worker crashed: ${result.crashed}\n`);
    process.exit(1);
  }
  const r = result.report;
  const fmt = (n: number) => n.toLocaleString('en');
  process.stdout.write(
    [
      `frames       ${fmt(r.frames)} in ${r.seconds.toFixed(1)} s (${fmt(Math.round(r.frames / Math.max(r.seconds, 0.001)))}/s)`,
      `decodeFrame  decoded ${fmt(r.decoded)} (IPv6 ${fmt(r.decoded6)}) · rejected ${fmt(r.rejected)}`,
      `decodeIPv4   ${fmt(r.ipCalls)} calls · decoded ${fmt(r.ipDecoded)}`,
      `decodeIPv6   ${fmt(r.ip6Calls)} calls · decoded ${fmt(r.ip6Decoded)}`,
      `readPcap     ${fmt(r.pcapFiles)} files · ${fmt(r.pcapRecords)} records · ${fmt(r.pcapTruncated)} truncated · ${fmt(r.pcapErrors)} errors`,
      `throws       ${r.throws}`,
      '',
    ].join('\n'),
  );
  for (const t of r.firstThrows) process.stderr.write(`THROW on ${t.input}\n${t.error}\n`);
  if (r.throws > 0) process.exit(1);
  if (r.frames < o.frames) {
    process.stderr.write(`stopped at the ${o.seconds} s limit after ${fmt(r.frames)} of ${fmt(o.frames)} frames\n`);
    process.exit(1);
  }
}

if (!isMainThread) {
  const o = workerData as FuzzOptions;
  const report = runFuzz(o, (frames) => parentPort!.postMessage({ beat: frames }));
  parentPort!.postMessage({ report });
} else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
