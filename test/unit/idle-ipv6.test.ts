import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rebuildIdleExchanges } from '../../src/analysis/idle-capture';
import { readIdleExchange } from '../../src/analysis/idle-answer';
import { classifyWire } from '../../src/analysis/textbook';
import { parseZombieSpec } from '../../src/engine/idle/zombie-spec';
import { AtomicFragments } from '../../src/link/zombie-reply';
import { ScanDocument, type ExchangePacket } from '../../src/protocol';
import { ipIdAfter, ipIdDistance, ipIdSequenceClass } from '../../src/technique';
import { buildTcpFrame, decodeFrame, ICMPV6_PACKET_TOO_BIG, IPPROTO_FRAGMENT, IPPROTO_TCP, ipView, TCP_RST, TCP_SYN } from '../../src/wire';
import { readCapture } from '../../src/wire/pcap';
import { buildLadder } from '../../webview/ladder';
import { hasClass, walk } from '../../webview/svg';
import { LADDER_LABELS } from '../support/ladder-labels';

// A real idle scan over IPv6 of lab 225 (README.md beside the files): PortLab's pcap and the results it wrote.
const DIR = join(import.meta.dirname, '..', 'fixtures', 'captures', 'idle');
const doc = ScanDocument.parse(JSON.parse(readFileSync(join(DIR, 'lab225-idle6.results.json'), 'utf8')));
const capture = readCapture(readFileSync(join(DIR, 'lab225-idle6.pcap')));
const SCANNER = '2001:2:0:225::1';
const TARGET = '2001:2:0:225::2';
const ZOMBIE = '2001:2:0:225::4';

const rst = (fragmentId?: number) =>
  buildTcpFrame({
    srcMac: '02:00:00:00:00:04',
    dstMac: '02:00:00:00:00:01',
    srcIp: ZOMBIE,
    dstIp: SCANNER,
    srcPort: 80,
    dstPort: 40000,
    seq: 0x01020304,
    ack: 0,
    flags: TCP_RST,
    window: 0,
    ...(fragmentId === undefined ? {} : { fragmentId }),
  });

test("an atomic fragment's Identification is the IPv6 answer's IP ID; a packet without a fragment header has none", () => {
  const frame = rst(0xfedcba98);
  // Ethernet 14 + IPv6 40 + fragment header 8 + TCP 20
  assert.equal(frame.length, 82);
  assert.equal(frame[14 + 6], IPPROTO_FRAGMENT, 'the fixed header names the fragment header next');
  assert.deepEqual([...frame.subarray(54, 62)], [IPPROTO_TCP, 0, 0, 0, 0xfe, 0xdc, 0xba, 0x98], 'next header TCP, offset 0, M clear, the ID');
  const d = decodeFrame(frame)!;
  assert.deepEqual(d.ip6?.fragment, { offset: 0, more: false, id: 0xfedcba98 });
  assert.equal(d.tcp?.flags, TCP_RST);
  assert.equal(d.tcp?.seq, 0x01020304);
  assert.equal(ipView(d)?.id, 0xfedcba98);
  assert.equal(ipView(d)?.totalLength, 68);

  const plain = decodeFrame(rst())!;
  assert.equal(plain.ip6?.fragment, undefined);
  assert.equal(ipView(plain)?.id, undefined);
});

test('the lab zombie puts fragment headers only on packets to a peer that reported an MTU below 1280, from one 32-bit counter', () => {
  const zombie = new AtomicFragments(0xfffffffe);
  assert.equal(zombie.idFor(SCANNER), undefined, 'no Packet Too Big yet: no fragment header, no ID spent');
  zombie.tooBig(SCANNER, 1280);
  assert.equal(zombie.idFor(SCANNER), undefined, 'an MTU of 1280 is IPv6’s minimum: nothing to do');
  zombie.tooBig(SCANNER, 1278);
  zombie.tooBig(TARGET, 1278);
  assert.deepEqual(
    [zombie.idFor(SCANNER), zombie.idFor(TARGET), zombie.idFor(SCANNER)],
    [0xfffffffe, 0xffffffff, 0],
    'one counter for every peer, wrapping at 2^32',
  );
  assert.equal(zombie.idFor('2001:2:0:225::3'), undefined);
  assert.equal(ICMPV6_PACKET_TOO_BIG, 2);
});

test('fragment IDs are classed and counted over 32 bits, IP IDs over 16', () => {
  const wrapping = [0xfffffffd, 0xfffffffe, 0xffffffff, 0, 1, 2];
  assert.equal(ipIdSequenceClass(wrapping, 32), 'incremental');
  assert.equal(ipIdDistance('incremental', 0xffffffff, 1, 32), 2);
  assert.equal(ipIdAfter('incremental', 0xffffffff, 1, 32), 0);
  assert.equal(ipIdAfter('incremental', 0x1fffe, 1, 32), 0x1ffff);
  assert.equal(ipIdAfter('incremental', 0x1fffe, 1), 0xffff, 'a 16-bit IP ID wraps at 2^16');
  assert.equal(ipIdSequenceClass([0, 0, 0, 0, 0, 0], 32), 'all-zeros', 'RSTs without a fragment header read as 0, as nmap reads them');
  assert.equal(ipIdSequenceClass([7, 0x9c1a2b3c, 0x11f0e1d2, 0xe0000001, 0x42, 0x7fff0000], 32), 'randomized');
});

test('-sI takes an IPv6 zombie bare or in brackets with its probe port, as nmap does', () => {
  assert.deepEqual(parseZombieSpec('2001:2:0:225::4'), { host: '2001:2:0:225::4', probePort: 80 });
  assert.deepEqual(parseZombieSpec('[2001:2:0:225::4]:443'), { host: '2001:2:0:225::4', probePort: 443 });
  assert.deepEqual(parseZombieSpec('[2001:2:0:225::4]'), { host: '2001:2:0:225::4', probePort: 80 });
  assert.deepEqual(parseZombieSpec('198.18.225.4:22'), { host: '198.18.225.4', probePort: 22 });
  for (const bad of ['[2001:2:0:225::4]:0', '[2001:2:0:225::4]:x', '2001:2:0:225::4:80:', '[2001:2:0:225::4', 'a:b:c'])
    assert.throws(() => parseZombieSpec(bad), /invalid idle scan zombie .*\[2001:2:0:1::4\]:80/, bad);
});

/** What the wire shows of a packet: the fields both the engine and the capture know. */
const seen = (exchange: readonly ExchangePacket[]) =>
  exchange.filter((p) => !p.inferred).map((p) => ({ dir: p.dir, flags: p.flags, src: p.src, dst: p.dst, ipId: p.ipId, frame: p.frame, group: p.group }));

test('the capture of an IPv6 idle scan holds both Packet Too Bigs, and every zombie RST of a reading is an atomic fragment', () => {
  const frames = capture.records.map((r) => decodeFrame(r.data)!);
  const tooBig = frames.filter((d) => d.icmp6?.type === ICMPV6_PACKET_TOO_BIG);
  assert.deepEqual(
    tooBig.map((d) => [d.ip6!.src, d.ip6!.dst, d.icmp6!.rest, d.icmp6!.quoted?.ip.src, d.icmp6!.quoted?.ip.dst]),
    [
      [SCANNER, ZOMBIE, 1278, ZOMBIE, SCANNER],
      [TARGET, ZOMBIE, 1278, ZOMBIE, TARGET],
    ],
    'one in our name quoting the zombie’s echo reply, one in the target’s quoting the reply the zombie sent it',
  );
  const resets = frames.filter((d) => d.ip6?.src === ZOMBIE && d.tcp && d.tcp.flags & TCP_RST);
  assert.ok(resets.length >= 20);
  for (const d of resets) assert.equal(d.ip6!.fragment?.offset, 0);
  const spoofed = frames.filter((d) => d.ip6?.src === ZOMBIE && d.ip6.dst === TARGET && d.tcp?.flags === TCP_SYN);
  assert.deepEqual(
    [...new Set(spoofed.map((d) => d.tcp!.dstPort))].sort((a, b) => a - b),
    doc.results.map((r) => r.port).sort((a, b) => a - b),
    'every port got SYNs in the zombie’s name (in groups, then halves: nmap’s bisection)',
  );
  assert.ok(spoofed.length > doc.results.length);
});

test('every port’s IPv6 exchange rebuilt from the pcap alone is the one the scan recorded, and reads as the scan read it', () => {
  const rebuilt = rebuildIdleExchanges(
    capture,
    doc.results.map((r) => r.target),
    doc.results.map((r) => r.port),
  );
  assert.equal(rebuilt.exchanges.size, doc.results.length);
  for (const r of doc.results) {
    const exchange = rebuilt.exchanges.get(`${TARGET}:${r.port}`)!;
    assert.deepEqual(seen(exchange), seen(r.exchange), `port ${r.port}`);
    assert.ok(exchange.every((p) => p.ipVersion === 6));
    const wire = classifyWire('idle', TARGET, exchange);
    assert.deepEqual([wire?.state, wire?.reason], [r.state, r.reason], `port ${r.port}`);
    const reading = readIdleExchange(exchange, TARGET)!;
    assert.ok(reading.before > 0xffff, `port ${r.port}: a 32-bit fragment ID, not a 16-bit IP ID`);
    assert.equal(reading.after - reading.before, reading.probes + (r.state === 'open' ? 1 : 0), `port ${r.port}: the fragment IDs`);
  }
  assert.deepEqual(
    doc.results.filter((r) => r.state === 'open').map((r) => r.port),
    [22, 53, 80],
  );
});

test('the ladder of an IPv6 idle exchange labels each zombie answer with its fragment ID, the inferred RST too', () => {
  const open = doc.results.find((r) => r.port === 22)!;
  const arrows = walk(buildLadder(open, LADDER_LABELS)).filter((n) => n.tag === 'g' && hasClass(n, 'packet'));
  const labels = arrows.map((a) => walk(a).find((c) => c.tag === 'text' && hasClass(c, 'label'))!.text);
  const ids = open.exchange.filter((p) => p.ipId !== undefined).map((p) => p.ipId!);
  assert.equal(ids.length, 3, 'the reading before, the inferred RST to the target, the reading after');
  assert.deepEqual(labels, ['SA', `R · fragment ID ${ids[0]}`, 'S', 'SA', `R · fragment ID ${ids[1]}`, 'SA', `R · fragment ID ${ids[2]}`]);
  assert.deepEqual([ids[1]! - ids[0]!, ids[2]! - ids[0]!], [1, 2]);
});
