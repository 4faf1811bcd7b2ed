// readCapture, readPcapng and decodeLinkFrame on captures made by the real tools (test/fixtures/captures/formats,
// made by make-formats.sh there), on hand-built pcapng files for what no tool here writes, and on damaged copies.
//
// Every expected packet count, timestamp, address, port and flag set of a fixture is what tshark 4.0.17 printed
// when the fixtures were made:
//   tshark -r FILE -T fields -e frame.number -e frame.interface_id -e frame.time_epoch -e frame.len -e frame.cap_len
//     -e sll.pkttype -e sll.src.eth -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport -e tcp.flags -e arp.opcode
// with frame.time_epoch (nanoseconds) rounded down to microseconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DLT_RAW,
  DLT_RAW_OPENBSD,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  decodeLinkFrame,
  isDecodableLinkType,
  type DecodedFrame,
} from '../../src/wire';
import { readCapture } from '../../src/wire/pcap/capture';
import { readCaptureFile } from '../../src/wire/pcap/capture-file';
import { readPcapng } from '../../src/wire/pcap/pcapng';
import { type CaptureRecord } from '../../src/wire/pcap/records';

const FORMATS = join(import.meta.dirname, '../fixtures/captures/formats');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FORMATS, name)));

/** One line per packet, in tshark's terms: time (µs), then ARP opcode or addresses, ports and tcp.flags. */
function describe(r: CaptureRecord): string {
  const f = decodeLinkFrame(r.linkType, r.data);
  assert.ok(f, `a ${r.linkType} frame decodes`);
  return `${r.tsMicros ?? '-'} ${layers(f)}`;
}

function layers(f: DecodedFrame): string {
  if (f.arp) return `arp ${f.arp.op}`;
  if (f.ip && f.tcp) return `${f.ip.src}:${f.tcp.srcPort} > ${f.ip.dst}:${f.tcp.dstPort} 0x${f.tcp.flags.toString(16).padStart(4, '0')}`;
  return 'other';
}

/** The SYN scan every veth fixture holds: nmap resolves the target twice, then probes 80 (open), 22 and 81 (closed). */
const VETH_SCAN = [
  'arp 1',
  'arp 2',
  'arp 1',
  'arp 2',
  '198.18.200.1:57431 > 198.18.200.2:80 0x0002',
  '198.18.200.2:80 > 198.18.200.1:57431 0x0012',
  '198.18.200.1:57431 > 198.18.200.2:80 0x0004',
  '198.18.200.1:57431 > 198.18.200.2:22 0x0002',
  '198.18.200.2:22 > 198.18.200.1:57431 0x0014',
  '198.18.200.1:57431 > 198.18.200.2:81 0x0002',
  '198.18.200.2:81 > 198.18.200.1:57431 0x0014',
];
/** the scanner sent packets 1, 3, 5, 7, 8, 10 */
const VETH_SCAN_OUTGOING = [true, false, true, false, true, false, true, true, false, true, false];
/** time of each packet on the veth (tshark on it, and tcpdump in nanoseconds: the same microseconds) */
const VETH_TIMES = [
  1796468269739357, 1796468269739388, 1796468269791274, 1796468269791297, 1796468269791301, 1796468269791332, 1796468269791342, 1796468269791352,
  1796468269791355, 1796468269791360, 1796468269791364,
];
/** time of each packet on the 'any' interface (tcpdump, microseconds): the SYN/ACK was stamped 2 µs earlier there */
const ANY_TIMES = [...VETH_TIMES.slice(0, 5), 1796468269791330, ...VETH_TIMES.slice(6)];
const LO_SCAN = [
  '1796468273947091 127.0.0.1:47138 > 127.0.0.1:80 0x0002',
  '1796468273947114 127.0.0.1:80 > 127.0.0.1:47138 0x0012',
  '1796468273947124 127.0.0.1:47138 > 127.0.0.1:80 0x0004',
  '1796468273947132 127.0.0.1:47138 > 127.0.0.1:22 0x0002',
  '1796468273947135 127.0.0.1:22 > 127.0.0.1:47138 0x0014',
  '1796468273947138 127.0.0.1:47138 > 127.0.0.1:81 0x0002',
  '1796468273947141 127.0.0.1:81 > 127.0.0.1:47138 0x0014',
];
const timed = (times: number[]) => VETH_SCAN.map((what, i) => `${times[i]} ${what}`);

const FIXTURES: { file: string; format: 'pcap' | 'pcapng'; linkTypes: number[]; packets: string[] }[] = [
  { file: 'veth.pcapng', format: 'pcapng', linkTypes: [LINKTYPE_ETHERNET], packets: timed(VETH_TIMES) },
  { file: 'veth-nanos.pcap', format: 'pcap', linkTypes: [LINKTYPE_ETHERNET], packets: timed(VETH_TIMES) },
  { file: 'any.pcap', format: 'pcap', linkTypes: [LINKTYPE_LINUX_SLL2], packets: timed(ANY_TIMES) },
  { file: 'any-sll1.pcap', format: 'pcap', linkTypes: [LINKTYPE_LINUX_SLL], packets: timed(ANY_TIMES) },
  { file: 'lo.pcap', format: 'pcap', linkTypes: [LINKTYPE_ETHERNET], packets: LO_SCAN },
  { file: 'lo.pcapng', format: 'pcapng', linkTypes: [LINKTYPE_ETHERNET], packets: LO_SCAN },
  { file: 'raw.pcap', format: 'pcap', linkTypes: [LINKTYPE_RAW], packets: LO_SCAN },
  {
    file: 'merged.pcapng',
    format: 'pcapng',
    linkTypes: [LINKTYPE_LINUX_SLL2, LINKTYPE_ETHERNET],
    // mergecap interleaves by time: each packet on 'any' (interface 1) just before the same packet on the veth
    packets: timed(ANY_TIMES).flatMap((any, i) => [any, timed(VETH_TIMES)[i]!]),
  },
  {
    file: 'big-endian.pcapng',
    format: 'pcapng',
    linkTypes: [LINKTYPE_ETHERNET],
    // then the first two frames again as Simple Packet Blocks, which carry no time (tshark prints none)
    packets: [...timed(VETH_TIMES), '- arp 1', '- arp 2'],
  },
];

for (const { file, format, linkTypes, packets } of FIXTURES) {
  test(`${file}: ${packets.length} packets as tshark reads them`, () => {
    const c = readCaptureFile(join(FORMATS, file));
    assert.deepEqual([c.format, c.error, c.truncated, c.unsupportedLinkTypes], [format, undefined, false, []]);
    assert.deepEqual([...new Set(c.records.map((r) => r.linkType))], linkTypes);
    assert.deepEqual(c.records.map(describe), packets);
  });
}

test('cooked captures say which packets the scanner sent, and from which MAC', () => {
  for (const file of ['any.pcap', 'any-sll1.pcap']) {
    const frames = readCaptureFile(join(FORMATS, file)).records.map((r) => decodeLinkFrame(r.linkType, r.data)!);
    assert.deepEqual(
      frames.map((f) => [f.cooked!.direction, f.cooked!.src, f.eth]),
      VETH_SCAN_OUTGOING.map((out) => (out ? ['outgoing', '02:00:00:c8:00:01', undefined] : ['incoming', '02:00:00:c8:00:02', undefined])),
      file,
    );
    // sll.pkttype: 4 sent by this host, 0 sent to it; ARPHRD_ETHER; the veth's interface index in v2
    assert.deepEqual(
      frames.map((f) => f.cooked!.packetType),
      VETH_SCAN_OUTGOING.map((out) => (out ? 4 : 0)),
    );
    assert.equal(frames[0]!.cooked!.hardwareType, 1);
    assert.equal(frames[0]!.cooked!.interfaceIndex === undefined, file === 'any-sll1.pcap');
  }
});

test('Ethernet frames keep their Ethernet header; lengths on the wire survive a cut capture', () => {
  const veth = readCaptureFile(join(FORMATS, 'veth.pcapng')).records;
  assert.deepEqual(decodeLinkFrame(veth[4]!.linkType, veth[4]!.data)!.eth, { src: '02:00:00:c8:00:01', dst: '02:00:00:c8:00:02', etherType: 0x0800 });
  // editcap -C 14 cut the Ethernet header off but kept frame.len: cap_len 44/40, len 58/54
  const raw = readCaptureFile(join(FORMATS, 'raw.pcap')).records;
  assert.deepEqual(
    raw.map((r) => [r.data.length, r.origLen]),
    [44, 44, 40, 44, 40, 44, 40].map((n) => [n, n + 14]),
  );
  // merged.pcapng: interface 0 is the veth, 1 the 'any' capture
  assert.deepEqual(
    readCaptureFile(join(FORMATS, 'merged.pcapng')).records.map((r) => r.interfaceId),
    VETH_SCAN.flatMap(() => [1, 0]),
  );
});

// ---- hand-built pcapng: what the tools here do not write ----

/** A pcapng block: type, length, body padded to 4 bytes, length again. */
function block(type: number, body: Uint8Array, littleEndian = true): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const out = new Uint8Array(12 + padded);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, littleEndian);
  v.setUint32(4, out.length, littleEndian);
  out.set(body, 8);
  v.setUint32(out.length - 4, out.length, littleEndian);
  return out;
}

function fields(littleEndian: boolean, ...parts: [bits: 8 | 16 | 32 | 64, value: number | bigint][]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, [bits]) => n + bits / 8, 0));
  const v = new DataView(out.buffer);
  let o = 0;
  for (const [bits, value] of parts) {
    if (bits === 8) v.setUint8(o, Number(value));
    else if (bits === 16) v.setUint16(o, Number(value), littleEndian);
    else if (bits === 32) v.setUint32(o, Number(value), littleEndian);
    else v.setBigInt64(o, BigInt(value), littleEndian);
    o += bits / 8;
  }
  return out;
}

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const sectionHeader = (le = true, major = 1) => block(0x0a0d0d0a, fields(le, [32, 0x1a2b3c4d], [16, major], [16, 0], [64, -1n]), le);
/** an option: code, length, value padded to 4 bytes */
const option = (le: boolean, code: number, value: Uint8Array) =>
  concat(fields(le, [16, code], [16, value.length]), value, new Uint8Array((4 - (value.length % 4)) % 4));
const interfaceBlock = (linkType: number, snapLen: number, options: Uint8Array[] = [], le = true) =>
  block(1, concat(fields(le, [16, linkType], [16, 0], [32, snapLen]), ...options, ...(options.length ? [fields(le, [16, 0], [16, 0])] : [])), le);
const enhancedPacket = (interfaceId: number, ts: bigint, data: Uint8Array, le = true) =>
  block(6, concat(fields(le, [32, interfaceId], [32, ts >> 32n], [32, ts & 0xffffffffn], [32, data.length], [32, data.length]), data), le);

/** the SYN of the loopback scan as a bare IPv4 packet */
const ipSyn = () => readCaptureFile(join(FORMATS, 'raw.pcap')).records[0]!.data;

test('if_tsresol in powers of ten and of two, and if_tsoffset, as tshark reads them', () => {
  const le = true;
  // tshark 4.0.17 prints 1796468269.500000953, 1796468269.123000000 and 1005.000001000 for this file
  const file = concat(
    sectionHeader(),
    interfaceBlock(LINKTYPE_RAW, 0, [option(le, 9, Uint8Array.of(0x94))]), // 2^-20 s
    interfaceBlock(LINKTYPE_RAW, 0, [option(le, 9, Uint8Array.of(3))]), // milliseconds
    interfaceBlock(LINKTYPE_RAW, 0, [option(le, 14, fields(le, [64, 1000n]))]), // µs, 1000 s later
    enhancedPacket(0, 1796468269n * 2n ** 20n + 2n ** 19n + 1n, ipSyn()),
    enhancedPacket(1, 1796468269123n, ipSyn()),
    enhancedPacket(2, 5_000_001n, ipSyn()),
  );
  const c = readCapture(file);
  assert.equal(c.error, undefined);
  assert.deepEqual(
    c.records.map((r) => [r.interfaceId, r.tsMicros]),
    [
      [0, 1796468269500000],
      [1, 1796468269123000],
      [2, 1005000001],
    ],
  );
});

test('sections in both byte orders; the obsolete Packet Block; a Simple Packet Block cut to the snaplen', () => {
  const syn = ipSyn();
  const obsoletePacket = block(2, concat(fields(false, [16, 0], [16, 0], [32, 0], [32, 7_000_000], [32, syn.length], [32, syn.length]), syn), false);
  const file = concat(
    sectionHeader(true),
    interfaceBlock(LINKTYPE_ETHERNET, 0),
    interfaceBlock(LINKTYPE_RAW, 0),
    enhancedPacket(1, 1n, syn),
    sectionHeader(false),
    interfaceBlock(LINKTYPE_RAW, 30, [], false),
    obsoletePacket,
    // holds only what the snaplen let through: tshark insists on that
    block(3, concat(fields(false, [32, syn.length]), syn.subarray(0, 30)), false),
  );
  // tshark 4.0.17 reads the same three packets: times 0.000001 s, 7 s and none; 44, 44 and 30 bytes of 44
  const c = readCapture(file);
  assert.equal(c.error, undefined);
  // interface ids run on through the file: the second section's only interface is the third
  assert.deepEqual(
    c.records.map((r) => [r.interfaceId, r.linkType, r.tsMicros, r.data.length, r.origLen]),
    [
      [1, LINKTYPE_RAW, 1, syn.length, syn.length],
      [2, LINKTYPE_RAW, 7_000_000, syn.length, syn.length],
      [2, LINKTYPE_RAW, undefined, 30, syn.length],
    ],
  );
  assert.equal(describe(c.records[1]!), '7000000 127.0.0.1:47138 > 127.0.0.1:80 0x0002');
});

// ---- damage: every whole packet before it is kept, and the error says where reading stopped ----

/** offset and type of each block of a little-endian pcapng file */
function blocks(bytes: Uint8Array): { offset: number; type: number; length: number }[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  for (let o = 0; o + 8 <= bytes.length; o += v.getUint32(o + 4, true)) out.push({ offset: o, type: v.getUint32(o, true), length: v.getUint32(o + 4, true) });
  return out;
}

const veth = () => fixture('veth.pcapng');
/** the n-th (1-based) Enhanced Packet Block of veth.pcapng */
const packetBlock = (bytes: Uint8Array, n: number) => blocks(bytes).filter((b) => b.type === 6)[n - 1]!;

test('veth.pcapng has the blocks these damage tests rely on', () => {
  assert.deepEqual(
    blocks(veth()).map((b) => b.type),
    [0x0a0d0d0a, 1, ...VETH_SCAN.map(() => 6), 5], // dumpcap's Interface Statistics Block last, skipped
  );
});

test('a file cut inside an Enhanced Packet Block keeps the packets before it and says where', () => {
  const whole = veth();
  const tenth = packetBlock(whole, 10);
  const c = readCapture(whole.subarray(0, tenth.offset + 30));
  assert.equal(c.records.length, 9);
  assert.deepEqual(c.records.map(describe), timed(VETH_TIMES).slice(0, 9));
  assert.equal(c.truncated, true);
  assert.deepEqual(c.stoppedAt, { offset: tenth.offset, packet: 10 });
  assert.equal(c.error, `cut short: Enhanced Packet Block of ${tenth.length} bytes, only 30 bytes left (stopped at byte ${tenth.offset}, packet 10)`);
  // cut inside the next block's first 8 bytes, and exactly between blocks (not truncated: the ISB is just gone)
  const cutHeader = readCapture(whole.subarray(0, tenth.offset + 5));
  assert.deepEqual([cutHeader.records.length, cutHeader.truncated], [9, true]);
  assert.match(cutHeader.error!, /cut short inside a block header \(5 bytes left\) \(stopped at byte \d+, packet 10\)/);
  const between = readCapture(whole.subarray(0, tenth.offset));
  assert.deepEqual([between.records.length, between.truncated, between.error], [9, false, undefined]);
});

test('corrupted block lengths and a trailing length that differs stop the reading there', () => {
  const third = packetBlock(veth(), 3);
  for (const [length, message] of [
    [77, /Enhanced Packet Block length 77 is not a multiple of 4 of at least 12 \(stopped at byte \d+, packet 3\)/],
    [8, /Enhanced Packet Block length 8 is not a multiple of 4 of at least 12/],
    [0xfffffff0, /cut short: Enhanced Packet Block of 4294967280 bytes/],
  ] as const) {
    const bytes = veth();
    new DataView(bytes.buffer).setUint32(third.offset + 4, length, true);
    const c = readCapture(bytes);
    assert.equal(c.records.length, 2, `length ${length}`);
    assert.match(c.error!, message);
    assert.deepEqual(c.stoppedAt, { offset: third.offset, packet: 3 });
  }
  const bytes = veth();
  const fifth = packetBlock(bytes, 5);
  new DataView(bytes.buffer).setUint32(fifth.offset + fifth.length - 4, fifth.length + 4, true);
  const c = readCapture(bytes);
  assert.deepEqual([c.records.length, c.truncated], [4, false]);
  assert.equal(
    c.error,
    `Enhanced Packet Block length ${fifth.length} differs from its trailing copy ${fifth.length + 4} (stopped at byte ${fifth.offset}, packet 5)`,
  );
});

test('Name Resolution, Decryption Secrets, custom and unknown blocks are skipped by their length', () => {
  const whole = veth();
  const at = packetBlock(whole, 6).offset;
  const nameResolution = block(
    4,
    concat(fields(true, [16, 1], [16, 15]), Uint8Array.of(198, 18, 200, 2), new TextEncoder().encode('target.lab\0'), new Uint8Array(1)),
  );
  const secrets = block(10, concat(fields(true, [32, 0x544c534b], [32, 4]), Uint8Array.of(1, 2, 3, 4)));
  const custom = block(0x40000bad, concat(fields(true, [32, 32473]), Uint8Array.of(9, 9, 9)));
  const unknown = block(0x00000123, new Uint8Array(0));
  const file = concat(whole.subarray(0, at), nameResolution, secrets, custom, unknown, whole.subarray(at));
  // tshark 4.0.17 reads this file too, with the Decryption Secrets Block as a 12th "frame" of no packet
  const c = readCapture(file);
  assert.deepEqual([c.error, c.truncated], [undefined, false]);
  assert.deepEqual(c.records.map(describe), timed(VETH_TIMES));
});

test('a section that is not a readable pcapng one stops the reading with what is wrong', () => {
  const cases: [mangle: (v: DataView, bytes: Uint8Array) => void, message: RegExp, packets: number][] = [
    [(v) => v.setUint32(8, 0x11223344, true), /Section Header Block with byte-order magic 0x11223344/, 0],
    [(v) => v.setUint16(12, 2, true), /section of pcapng version 2\.0: only version 1 is known/, 0],
    [
      (v, b) => v.setUint32(packetBlock(b, 4).offset + 8, 3, true),
      /Enhanced Packet Block for interface 3, but the section describes 1 \(stopped at byte \d+, packet 4\)/,
      3,
    ],
    [(v, b) => v.setUint32(packetBlock(b, 2).offset + 20, 5000, true), /Enhanced Packet Block with captured length 5000, more than its 44 bytes of data/, 1],
  ];
  for (const [mangle, message, packets] of cases) {
    const bytes = veth();
    mangle(new DataView(bytes.buffer), bytes);
    const c = readCapture(bytes);
    assert.match(c.error!, message);
    assert.deepEqual([c.records.length, c.truncated], [packets, false]);
  }
  assert.match(readPcapng(fixture('lo.pcap')).error!, /not a pcapng file: it does not start with a Section Header Block/);
});

test('an unsupported link type is one clear line per capture, not one per packet', () => {
  const wifi = veth();
  new DataView(wifi.buffer).setUint16(blocks(wifi)[1]!.offset + 8, 105, true);
  const c = readCapture(wifi);
  assert.deepEqual([c.error, c.records.length], [undefined, 11]);
  assert.deepEqual(c.unsupportedLinkTypes, ["link type 105 (IEEE 802.11) is not supported: capture on an Ethernet, loopback or 'any' interface"]);
  assert.ok(c.records.every((r) => decodeLinkFrame(r.linkType, r.data) === undefined));
  // a classic pcap of an unnamed link type: the number alone
  const odd = fixture('lo.pcap');
  new DataView(odd.buffer).setUint32(20, 4242, true);
  assert.deepEqual(readCapture(odd).unsupportedLinkTypes, ["link type 4242 is not supported: capture on an Ethernet, loopback or 'any' interface"]);
  // one bad interface of two: the other's packets still decode
  const merged = fixture('merged.pcapng');
  new DataView(merged.buffer).setUint16(blocks(merged)[2]!.offset + 8, 127, true);
  const m = readCapture(merged);
  assert.deepEqual(m.unsupportedLinkTypes, [
    "link type 127 (IEEE 802.11 with radiotap header) is not supported: capture on an Ethernet, loopback or 'any' interface",
  ]);
  assert.equal(m.records.filter((r) => decodeLinkFrame(r.linkType, r.data)).length, 11);
});

test('readCapture: an unknown magic is one line; classic pcap keeps readPcap’s reading and says where it stopped', () => {
  assert.deepEqual(readCapture(new TextEncoder().encode('this is not a capture')), {
    format: undefined,
    records: [],
    truncated: false,
    error: 'not a pcap or pcapng file (magic 0x74686973)',
    unsupportedLinkTypes: [],
  });
  assert.match(readCapture(Uint8Array.of(0x1f, 0x8b, 8, 0, 0)).error!, /^not a pcap or pcapng file \(magic 0x1f8b0800\)$/);
  assert.match(readCapture(new Uint8Array(2)).error!, /not a pcap or pcapng file: only 2 bytes/);
  assert.match(readCaptureFile('/nonexistent/portlab.pcapng').error!, /cannot read/);
  const lo = fixture('lo.pcap');
  // records of 58 and 54 bytes after the 24-byte header, each with a 16-byte record header
  const c = readCapture(lo.subarray(0, 24 + 74 + 74 + 10));
  assert.deepEqual([c.format, c.records.length, c.truncated, c.stoppedAt], ['pcap', 2, true, { offset: 24 + 74 + 74, packet: 3 }]);
  assert.equal(c.error, 'the file ends inside record 3 (stopped at byte 172, packet 3)');
  const tooLong = fixture('lo.pcap');
  new DataView(tooLong.buffer).setUint32(24 + 74 + 8, 300000, true);
  assert.equal(readCapture(tooLong).error, 'record 2: captured length 300000 is larger than 262144 (stopped at byte 98, packet 2)');
});

// ---- link types without a fixture of their own ----

test('decodeLinkFrame: loopback headers, DLT_RAW values and raw IPv4', () => {
  const syn = ipSyn();
  const expect = '127.0.0.1:47138 > 127.0.0.1:80 0x0002';
  const withHeader = (...header: number[]) => concat(Uint8Array.from(header), syn);
  // LINKTYPE_NULL: AF_INET in the capturing host's byte order, either one
  assert.equal(layers(decodeLinkFrame(LINKTYPE_NULL, withHeader(2, 0, 0, 0))!), expect);
  assert.equal(layers(decodeLinkFrame(LINKTYPE_NULL, withHeader(0, 0, 0, 2))!), expect);
  // LINKTYPE_LOOP: network byte order only
  assert.equal(layers(decodeLinkFrame(LINKTYPE_LOOP, withHeader(0, 0, 0, 2))!), expect);
  assert.deepEqual(decodeLinkFrame(LINKTYPE_LOOP, withHeader(2, 0, 0, 0)), {});
  // AF_INET6 (24, 28 or 30) announcing what is not IPv6: the link layer is fine, nothing above it decoded
  assert.deepEqual(decodeLinkFrame(LINKTYPE_NULL, withHeader(30, 0, 0, 0)), {});
  // another family: the same
  assert.deepEqual(decodeLinkFrame(LINKTYPE_NULL, withHeader(7, 0, 0, 0)), {});
  assert.equal(decodeLinkFrame(LINKTYPE_NULL, Uint8Array.of(2, 0, 0)), undefined);
  for (const raw of [LINKTYPE_RAW, DLT_RAW, DLT_RAW_OPENBSD, LINKTYPE_IPV4]) assert.equal(layers(decodeLinkFrame(raw, syn)!), expect, `link type ${raw}`);
  // a classic pcap that stores DLT_RAW's own value reads like LINKTYPE_RAW
  const dltRaw = fixture('raw.pcap');
  new DataView(dltRaw.buffer).setUint32(20, DLT_RAW, true);
  const c = readCapture(dltRaw);
  assert.deepEqual([c.unsupportedLinkTypes, c.records.map(describe)], [[], LO_SCAN]);
  assert.deepEqual(
    [
      LINKTYPE_NULL,
      LINKTYPE_ETHERNET,
      DLT_RAW,
      DLT_RAW_OPENBSD,
      LINKTYPE_RAW,
      105,
      LINKTYPE_LOOP,
      LINKTYPE_LINUX_SLL,
      LINKTYPE_IPV4,
      229,
      LINKTYPE_LINUX_SLL2,
    ].map(isDecodableLinkType),
    [true, true, true, true, true, false, true, true, true, true, true],
  );
});

test('decodeLinkFrame: 802.1Q and 802.1ad tags on Ethernet and after a cooked header', () => {
  const syn = readCaptureFile(join(FORMATS, 'veth.pcapng')).records[4]!.data;
  const tag = (tpid: number, vlan: number) => fields(false, [16, tpid], [16, 0x2000 | vlan]);
  const tagged = concat(syn.subarray(0, 12), tag(0x8100, 100), syn.subarray(12));
  const f = decodeLinkFrame(LINKTYPE_ETHERNET, tagged)!;
  assert.deepEqual([f.eth!.etherType, f.vlanIds, layers(f)], [0x8100, [100], VETH_SCAN[4]]);
  const qinq = concat(syn.subarray(0, 12), tag(0x88a8, 7), tag(0x8100, 100), syn.subarray(12));
  assert.deepEqual([decodeLinkFrame(LINKTYPE_ETHERNET, qinq)!.vlanIds, layers(decodeLinkFrame(LINKTYPE_ETHERNET, qinq)!)], [[7, 100], VETH_SCAN[4]]);
  // tags running off the end: the ids that fit, no payload
  assert.deepEqual(decodeLinkFrame(LINKTYPE_ETHERNET, qinq.subarray(0, 20)), { eth: { ...f.eth!, etherType: 0x88a8 }, vlanIds: [7] });
  // an SLL v1 header announcing a VLAN tag (libpcap reinserts the tag the kernel took off)
  const cooked = readCaptureFile(join(FORMATS, 'any-sll1.pcap')).records[4]!.data;
  const cookedTagged = concat(cooked.subarray(0, 14), Uint8Array.of(0x81, 0x00), fields(false, [16, 42], [16, 0x0800]), cooked.subarray(16));
  const g = decodeLinkFrame(LINKTYPE_LINUX_SLL, cookedTagged)!;
  assert.deepEqual([g.cooked!.protocol, g.vlanIds, layers(g)], [0x8100, [42], VETH_SCAN[4]]);
});

test('decodeLinkFrame: frames shorter than their link header, and unknown link types, are undefined', () => {
  const sll2 = readCaptureFile(join(FORMATS, 'any.pcap')).records[4]!.data;
  const sll1 = readCaptureFile(join(FORMATS, 'any-sll1.pcap')).records[4]!.data;
  assert.equal(decodeLinkFrame(LINKTYPE_LINUX_SLL2, sll2.subarray(0, 19)), undefined);
  assert.equal(decodeLinkFrame(LINKTYPE_LINUX_SLL, sll1.subarray(0, 15)), undefined);
  assert.deepEqual(decodeLinkFrame(LINKTYPE_LINUX_SLL2, sll2.subarray(0, 20))!.ip, undefined);
  assert.equal(decodeLinkFrame(LINKTYPE_ETHERNET, new Uint8Array(13)), undefined);
  assert.equal(decodeLinkFrame(105, sll2), undefined);
  // a link-layer address that is not 6 bytes long: as many bytes as it says, up to the 8 the header has room for
  const odd = sll1.slice();
  odd[5] = 2;
  assert.equal(decodeLinkFrame(LINKTYPE_LINUX_SLL, odd)!.cooked!.src, '02:00');
  odd[5] = 200;
  assert.equal(decodeLinkFrame(LINKTYPE_LINUX_SLL, odd)!.cooked!.src, '02:00:00:c8:00:01:00:00');
});
