import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildTcpPacket,
  buildUdpPacket,
  decodeIPv4Packet,
  encodeIcmp,
  encodeIPv4,
  IPPROTO_ICMP,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  type DecodedFrame,
} from '../../src/wire';
import { pickSourcePortBase, ProbeMatcher, SOURCE_PORT_SPAN } from '../../src/engine/probe-matcher';
import { PortBook } from '../../src/engine/port-book';
import { RAW_TECHNIQUES } from '../../src/technique';

const US = '198.18.21.1';
const TARGET = '198.18.21.2';
const ROUTER = '198.18.21.254';
const ports = [22, 23, 80];
const BASE = 45000;
const synMatcher = new ProbeMatcher(RAW_TECHNIQUES.syn, ports, US, TARGET, 0x12345678, BASE);
const udpMatcher = new ProbeMatcher(RAW_TECHNIQUES.udp, [53, 69], US, TARGET, 0, BASE);

const dec = (bytes: Uint8Array): DecodedFrame => decodeIPv4Packet(bytes)!;
const probe = (m: ProbeMatcher, index: number, attempt: number) =>
  m.technique.buildProbe({ srcIp: US, dstIp: TARGET, srcPort: m.sourcePort(attempt), dstPort: m.ports[index]!, seq: m.seq(index, attempt) });
const tcpFrom = (src: string, srcPort: number, dstPort: number, flags: number, ack: number) =>
  dec(buildTcpPacket({ srcIp: src, dstIp: US, srcPort, dstPort, seq: 777, ack, flags, window: 100 }));
/** An ICMP error quoting the first 28 bytes of `quoted` (IP header + 8), as routers and hosts send. */
const icmpError = (src: string, code: number, quoted: Uint8Array) =>
  dec(encodeIPv4({ src, dst: US, protocol: IPPROTO_ICMP }, encodeIcmp({ type: 3, code, payload: quoted.subarray(0, 28) })));

test('a SYN/ACK is matched to its port and try only when it acknowledges our sequence number', () => {
  const ack1 = synMatcher.seq(0, 1) + 1;
  assert.deepEqual(synMatcher.match(tcpFrom(TARGET, 22, BASE + 1, TCP_SYN | TCP_ACK, ack1)), {
    kind: 'answer',
    index: 0,
    attempt: 1,
    answer: { kind: 'tcp', flags: TCP_SYN | TCP_ACK, window: 100 },
  });
  assert.equal(synMatcher.match(tcpFrom(TARGET, 22, BASE + 1, TCP_SYN | TCP_ACK, ack1 + 1)), undefined, 'wrong ack');
  assert.equal(synMatcher.match(tcpFrom(TARGET, 22, BASE, TCP_SYN | TCP_ACK, ack1)), undefined, 'ack of another try');
});

test('RST with ACK must acknowledge our probe; a RST without ACK is accepted by ports alone', () => {
  const ack = synMatcher.seq(1, 0) + 1;
  assert.equal(synMatcher.match(tcpFrom(TARGET, 23, BASE, TCP_RST | TCP_ACK, ack))?.kind, 'answer');
  assert.equal(synMatcher.match(tcpFrom(TARGET, 23, BASE, TCP_RST | TCP_ACK, 5)), undefined);
  assert.equal(synMatcher.match(tcpFrom(TARGET, 23, BASE, TCP_RST, 0))?.kind, 'answer');
  const bareAck = synMatcher.match(tcpFrom(TARGET, 23, BASE, TCP_ACK, ack));
  assert.ok(bareAck?.kind === 'answer', 'recorded in the exchange');
  assert.equal(RAW_TECHNIQUES.syn.classify(bareAck.answer), undefined, 'but a bare ACK decides nothing');
});

test('answers from another address, to another source port or from an unscanned port are foreign', () => {
  const ack = synMatcher.seq(0, 0) + 1;
  assert.equal(synMatcher.match(tcpFrom(ROUTER, 22, BASE, TCP_SYN | TCP_ACK, ack)), undefined);
  assert.equal(synMatcher.match(tcpFrom(TARGET, 22, BASE + SOURCE_PORT_SPAN, TCP_SYN | TCP_ACK, ack)), undefined);
  assert.equal(synMatcher.match(tcpFrom(TARGET, 21, BASE, TCP_SYN | TCP_ACK, ack)), undefined);
});

test('ICMP errors match by the quoted probe, and say whether the target itself sent them', () => {
  const sent = probe(synMatcher, 2, 0);
  assert.deepEqual(synMatcher.match(icmpError(TARGET, 13, sent)), {
    kind: 'answer',
    index: 2,
    attempt: 0,
    answer: { kind: 'icmp', ipVersion: 4, type: 3, code: 13, fromTarget: true },
  });
  const viaRouter = synMatcher.match(icmpError(ROUTER, 1, sent));
  assert.equal(viaRouter?.kind === 'answer' && viaRouter.answer.kind === 'icmp' && viaRouter.answer.fromTarget, false);
});

test('an ICMP error quoting a probe we never sent is ignored', () => {
  const neverSent = buildTcpPacket({ srcIp: US, dstIp: TARGET, srcPort: BASE, dstPort: 80, seq: 42, flags: TCP_SYN });
  assert.equal(synMatcher.match(icmpError(TARGET, 13, neverSent)), undefined, 'wrong sequence number');
  const otherTarget = buildTcpPacket({ srcIp: US, dstIp: ROUTER, srcPort: BASE, dstPort: 80, seq: synMatcher.seq(2, 0), flags: TCP_SYN });
  assert.equal(synMatcher.match(icmpError(TARGET, 13, otherTarget)), undefined, 'about another destination');
  const udpQuoted = buildUdpPacket({ srcIp: US, dstIp: TARGET, srcPort: BASE, dstPort: 80 });
  assert.equal(synMatcher.match(icmpError(TARGET, 3, udpQuoted)), undefined, 'another protocol');
});

test('on lo our own probe is recognised, and the kernel RST after a SYN/ACK is the kernel', () => {
  const lo = new ProbeMatcher(RAW_TECHNIQUES.syn, [8080], '127.0.0.1', '127.0.0.1', 99, BASE);
  const sent = lo.technique.buildProbe({ srcIp: '127.0.0.1', dstIp: '127.0.0.1', srcPort: BASE, dstPort: 8080, seq: lo.seq(0, 0) });
  assert.deepEqual(lo.match(dec(sent)), { kind: 'own', index: 0 });
  const rst = buildTcpPacket({ srcIp: '127.0.0.1', dstIp: '127.0.0.1', srcPort: BASE, dstPort: 8080, seq: lo.seq(0, 0) + 1, flags: TCP_RST });
  assert.deepEqual(lo.match(dec(rst)), { kind: 'kernel', index: 0 });
  const synAck = buildTcpPacket({
    srcIp: '127.0.0.1',
    dstIp: '127.0.0.1',
    srcPort: 8080,
    dstPort: BASE,
    seq: 1,
    ack: lo.seq(0, 0) + 1,
    flags: TCP_SYN | TCP_ACK,
  });
  assert.equal(lo.match(dec(synAck))?.kind, 'answer');
});

test("on lo an ACK or FIN/ACK probe is our own, and the target's bare RST to it is the answer, with its window", () => {
  for (const technique of ['ack', 'window', 'maimon'] as const) {
    const lo = new ProbeMatcher(RAW_TECHNIQUES[technique], [8080], '127.0.0.1', '127.0.0.1', 99, BASE);
    const sent = lo.technique.buildProbe({ srcIp: '127.0.0.1', dstIp: '127.0.0.1', srcPort: BASE, dstPort: 8080, seq: lo.seq(0, 0) });
    assert.deepEqual(lo.match(dec(sent)), { kind: 'own', index: 0 }, technique);
    // RFC 793: the RST answering a segment with ACK takes its sequence number from that ACK, and carries no ACK
    const rst = buildTcpPacket({ srcIp: '127.0.0.1', dstIp: '127.0.0.1', srcPort: 8080, dstPort: BASE, seq: 0, flags: TCP_RST, window: 0 });
    assert.deepEqual(lo.match(dec(rst)), { kind: 'answer', index: 0, attempt: 0, answer: { kind: 'tcp', flags: TCP_RST, window: 0 } }, technique);
  }
});

test("UDP: replies and port-unreachables match; our kernel's ICMP about a reply is the kernel", () => {
  const reply = dec(buildUdpPacket({ srcIp: TARGET, dstIp: US, srcPort: 53, dstPort: BASE + 2 }));
  assert.deepEqual(udpMatcher.match(reply), { kind: 'answer', index: 0, attempt: 2, answer: { kind: 'udp' } });
  assert.deepEqual(udpMatcher.match(icmpError(TARGET, 3, probe(udpMatcher, 1, 0))), {
    kind: 'answer',
    index: 1,
    attempt: 0,
    answer: { kind: 'icmp', ipVersion: 4, type: 3, code: 3, fromTarget: true },
  });
  const targetsReply = buildUdpPacket({ srcIp: TARGET, dstIp: US, srcPort: 53, dstPort: BASE });
  const ours = dec(encodeIPv4({ src: US, dst: TARGET, protocol: IPPROTO_ICMP }, encodeIcmp({ type: 3, code: 3, payload: targetsReply.subarray(0, 28) })));
  assert.deepEqual(udpMatcher.match(ours), { kind: 'kernel', index: 0 });
});

test('duplicate and late answers never change a decided port; reported ports take no more packets', () => {
  const book = new PortBook('syn', TARGET, [22]);
  assert.equal(book.decide(0, { state: 'open', reason: 'syn-ack' }, 0), true);
  assert.equal(book.decide(0, { state: 'closed', reason: 'reset' }, 1), false);
  book.record(0, tcpFrom(TARGET, 22, BASE, TCP_RST | TCP_ACK, 1), 'in', 1);
  const reported: string[] = [];
  book.reportDue(10, 150, (r) => reported.push(r.state));
  assert.equal(reported.length, 0, 'still lingering');
  book.reportDue(200, 150, (r) => reported.push(`${r.state} ${r.reason} ${r.exchange.length}`));
  assert.deepEqual(reported, ['open syn-ack 1']);
  book.record(0, tcpFrom(TARGET, 22, BASE, TCP_SYN | TCP_ACK, 1), 'in', 300);
  const [result] = [...book.results()];
  assert.deepEqual(result!.exchange, [{ dir: 'in', t: 1, kind: 'tcp', src: TARGET, len: 40, flags: 'RA', window: 100 }]);
});

test('the source-port span avoids the scanned ports when there is room', () => {
  const scanned = Array.from({ length: 20000 }, (_, i) => 33000 + i);
  let r = 0;
  const base = pickSourcePortBase(scanned, () => (r = (r + 0.37) % 1));
  for (let p = base; p < base + SOURCE_PORT_SPAN; p++) assert.ok(!scanned.includes(p));
});
