// The raw scan loop's matching and logging over IPv6: answers and ICMPv6 errors quoting our probes are
// matched to port and try, classified by the table with nmap's ICMPv6 reasons, and logged with IPv6 lengths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildTcpPacket,
  buildUdpPacket,
  decodeIpPacket,
  encodeIcmpv6,
  encodeIPv6,
  ICMPV6_DEST_UNREACH,
  ICMPV6_TIME_EXCEEDED,
  IPPROTO_DSTOPTS,
  IPPROTO_ICMPV6,
  IPPROTO_UDP,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  type DecodedFrame,
} from '../../src/wire';
import { ProbeMatcher } from '../../src/engine/probe-matcher';
import { PortBook } from '../../src/engine/port-book';
import { RAW_TECHNIQUES } from '../../src/technique';
import { packetLabel } from '../../src/protocol';

const US = '2001:2:0:230::1';
const TARGET = '2001:2:0:230::2';
const ROUTER = '2001:2:0:231::1';
const BASE = 45000;
const syn = new ProbeMatcher(RAW_TECHNIQUES.syn, [22, 23, 80], US, TARGET, 0x12345678, BASE);
const udp = new ProbeMatcher(RAW_TECHNIQUES.udp, [53, 69], US, TARGET, 0, BASE);

const dec = (bytes: Uint8Array): DecodedFrame => decodeIpPacket(bytes)!;
const probe = (m: ProbeMatcher, index: number, attempt: number) =>
  m.technique.buildProbe({ srcIp: US, dstIp: TARGET, srcPort: m.sourcePort(attempt), dstPort: m.ports[index]!, seq: m.seq(index, attempt) });
/** An ICMPv6 error quoting the whole probe (an IPv6 error quotes as much as fits in 1280 bytes). */
const icmpv6Error = (src: string, type: number, code: number, quoted: Uint8Array) =>
  dec(encodeIPv6({ src, dst: US, nextHeader: IPPROTO_ICMPV6 }, encodeIcmpv6({ type, code, payload: quoted }, src, US)));

test('IPv6 probes: the technique builds an IPv6 packet when the addresses are IPv6', () => {
  const d = dec(probe(syn, 2, 1));
  assert.deepEqual([d.ip6!.src, d.ip6!.dst, d.tcp!.dstPort, d.tcp!.srcPort, d.tcp!.flags, d.l4ChecksumOk], [US, TARGET, 80, BASE + 1, TCP_SYN, true]);
  const dns = dec(probe(udp, 0, 0));
  assert.equal(dns.udp!.dstPort, 53);
  assert.ok(dns.udp!.payload.length > 0, 'DNS gets its payload over IPv6 too');
});

test('a SYN/ACK and a RST over IPv6 match their port and try by ports, addresses and acknowledgement', () => {
  const synAck = dec(
    buildTcpPacket({ srcIp: TARGET, dstIp: US, srcPort: 22, dstPort: BASE + 1, seq: 9, ack: syn.seq(0, 1) + 1, flags: TCP_SYN | TCP_ACK, window: 64800 }),
  );
  assert.deepEqual(syn.match(synAck), { kind: 'answer', index: 0, attempt: 1, answer: { kind: 'tcp', flags: TCP_SYN | TCP_ACK, window: 64800 } });
  const rst = dec(
    buildTcpPacket({ srcIp: TARGET, dstIp: US, srcPort: 23, dstPort: BASE, seq: 0, ack: syn.seq(1, 0) + 1, flags: TCP_RST | TCP_ACK, window: 0 }),
  );
  assert.equal(syn.match(rst)?.kind, 'answer');
  const fromElsewhere = dec(buildTcpPacket({ srcIp: ROUTER, dstIp: US, srcPort: 23, dstPort: BASE, seq: 0, ack: syn.seq(1, 0) + 1, flags: TCP_RST | TCP_ACK }));
  assert.equal(syn.match(fromElsewhere), undefined);
  // our own probe seen again (on lo) and our kernel's RST after a SYN/ACK
  assert.deepEqual(syn.match(dec(probe(syn, 0, 0))), { kind: 'own', index: 0 });
  const kernelRst = dec(buildTcpPacket({ srcIp: US, dstIp: TARGET, srcPort: BASE, dstPort: 22, seq: syn.seq(0, 0) + 1, flags: TCP_RST }));
  assert.deepEqual(syn.match(kernelRst), { kind: 'kernel', index: 0 });
});

test('ICMPv6 errors match by the quoted probe and classify with nmap’s ICMPv6 reasons', () => {
  const sent = probe(syn, 2, 0);
  const admin = syn.match(icmpv6Error(TARGET, ICMPV6_DEST_UNREACH, 1, sent));
  assert.deepEqual(admin, { kind: 'answer', index: 2, attempt: 0, answer: { kind: 'icmp', ipVersion: 6, type: 1, code: 1, fromTarget: true } });
  assert.ok(admin?.kind === 'answer');
  assert.deepEqual(RAW_TECHNIQUES.syn.classify(admin.answer), { state: 'filtered', reason: 'admin-prohibited' });
  const noRoute = syn.match(icmpv6Error(ROUTER, ICMPV6_DEST_UNREACH, 0, sent));
  assert.ok(noRoute?.kind === 'answer' && noRoute.answer.kind === 'icmp' && !noRoute.answer.fromTarget);
  assert.deepEqual(RAW_TECHNIQUES.syn.classify(noRoute.answer), { state: 'filtered', reason: 'no-route' });
  // time exceeded is matched (the exchange shows it) but, as in nmap, decides nothing over IPv6
  const died = syn.match(icmpv6Error(ROUTER, ICMPV6_TIME_EXCEEDED, 0, sent));
  assert.ok(died?.kind === 'answer');
  assert.equal(RAW_TECHNIQUES.syn.classify(died.answer), undefined);
  // a quote of a probe we never sent (wrong sequence number) is foreign
  const forged = buildTcpPacket({ srcIp: US, dstIp: TARGET, srcPort: BASE, dstPort: 80, seq: 42, flags: TCP_SYN });
  assert.equal(syn.match(icmpv6Error(TARGET, ICMPV6_DEST_UNREACH, 1, forged)), undefined);
});

test('UDP over IPv6: a reply is open, port unreachable from the target closed, from a router filtered; quoted extension headers are skipped', () => {
  const reply = dec(buildUdpPacket({ srcIp: TARGET, dstIp: US, srcPort: 53, dstPort: BASE + 2 }));
  assert.deepEqual(udp.match(reply), { kind: 'answer', index: 0, attempt: 2, answer: { kind: 'udp' } });
  const closed = udp.match(icmpv6Error(TARGET, ICMPV6_DEST_UNREACH, 4, probe(udp, 1, 0)));
  assert.ok(closed?.kind === 'answer');
  assert.deepEqual(RAW_TECHNIQUES.udp.classify(closed.answer), { state: 'closed', reason: 'port-unreach' });
  const viaRouter = udp.match(icmpv6Error(ROUTER, ICMPV6_DEST_UNREACH, 4, probe(udp, 1, 0)));
  assert.ok(viaRouter?.kind === 'answer');
  assert.deepEqual(RAW_TECHNIQUES.udp.classify(viaRouter.answer), { state: 'filtered', reason: 'port-unreach' });
  // a probe that left with a destination options header (as a middlebox may add), quoted back
  const bare = probe(udp, 1, 3).subarray(40);
  const withOptions = encodeIPv6({ src: US, dst: TARGET, nextHeader: IPPROTO_DSTOPTS }, Uint8Array.from([IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0, ...bare]));
  assert.deepEqual(udp.match(icmpv6Error(TARGET, ICMPV6_DEST_UNREACH, 4, withOptions)), {
    kind: 'answer',
    index: 1,
    attempt: 3,
    answer: { kind: 'icmp', ipVersion: 6, type: 1, code: 4, fromTarget: true },
  });
});

test('the exchange log keeps IPv6 packets: length = payload + 40, ipVersion 6, ICMPv6 labelled as such', () => {
  const book = new PortBook('udp', TARGET, [69]);
  const sent = probe(udp, 1, 0);
  book.record(0, dec(sent), 'out', 0, { retry: 0 });
  book.record(0, icmpv6Error(TARGET, ICMPV6_DEST_UNREACH, 4, sent), 'in', 1);
  book.decide(0, { state: 'closed', reason: 'port-unreach' }, 1, 64);
  book.reportDue(1000, 0);
  const [result] = [...book.results()];
  assert.deepEqual(result!.exchange, [
    { dir: 'out', t: 0, kind: 'udp', src: US, len: 48, ipVersion: 6, retry: 0 },
    { dir: 'in', t: 1, kind: 'icmp', src: TARGET, len: 40 + 8 + 48, ipVersion: 6, icmpType: 1, icmpCode: 4 },
  ]);
  assert.deepEqual(result!.exchange.map(packetLabel), ['UDP', 'ICMPv6 1/4']);
  assert.equal(result!.reasonTtl, 64);
  assert.equal(sent.length, 48);
});
