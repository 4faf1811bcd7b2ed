import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RAW_TECHNIQUES, classifyConnect, connectNoResponse, udpPayloadFor, type Answer, type Verdict } from '../../src/technique';
import { decodeIPv4Packet, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../../src/wire';

const { syn, fin, xmas, null: nullScan, udp } = RAW_TECHNIQUES;
const tcp = (flags: number): Answer => ({ kind: 'tcp', flags });
const icmp = (code: number, fromTarget = true, type = 3): Answer => ({ kind: 'icmp', type, code, fromTarget });
const v = (state: Verdict['state'], reason: Verdict['reason']): Verdict => ({ state, reason });

const FILTERING_CODES: [number, Verdict['reason']][] = [
  [0, 'net-unreach'],
  [1, 'host-unreach'],
  [2, 'proto-unreach'],
  [3, 'port-unreach'],
  [9, 'net-prohibited'],
  [10, 'host-prohibited'],
  [13, 'admin-prohibited'],
];

test('SYN: SYN/ACK open, RST and RST/ACK closed, silence filtered', () => {
  assert.deepEqual(syn.classify(tcp(TCP_SYN | TCP_ACK)), v('open', 'syn-ack'));
  assert.deepEqual(syn.classify(tcp(TCP_SYN)), v('open', 'split-handshake-syn'), "a bare SYN: nmap's split handshake");
  assert.deepEqual(syn.classify(tcp(TCP_RST)), v('closed', 'reset'));
  assert.deepEqual(syn.classify(tcp(TCP_RST | TCP_ACK)), v('closed', 'reset'));
  assert.deepEqual(syn.classify(tcp(TCP_SYN | TCP_RST)), v('closed', 'reset'));
  assert.equal(syn.classify(tcp(TCP_ACK)), undefined);
  assert.equal(syn.classify({ kind: 'udp' }), undefined);
  assert.deepEqual(syn.noResponse, v('filtered', 'no-response'));
  assert.equal(syn.defaultRetries, 1);
});

for (const t of [syn, fin, xmas, nullScan]) {
  test(`${t.name}: every filtering ICMP unreachable code marks the port filtered with nmap's reason`, () => {
    for (const [code, reason] of FILTERING_CODES) {
      assert.deepEqual(t.classify(icmp(code)), v('filtered', reason), `code ${code}`);
      assert.deepEqual(t.classify(icmp(code, false)), v('filtered', reason), `code ${code} from a router`);
    }
    for (const code of [4, 5, 6, 11, 12, 14]) assert.equal(t.classify(icmp(code)), undefined, `code ${code}`);
    for (const code of [0, 1]) assert.deepEqual(t.classify(icmp(code, false, 11)), v('filtered', 'time-exceeded'), `time exceeded, code ${code}`);
    assert.equal(t.classify(icmp(0, true, 0)), undefined, 'echo reply');
  });
}

for (const t of [fin, xmas, nullScan]) {
  test(`${t.name}: RST or RST/ACK closed, silence open|filtered, a SYN/ACK decides nothing`, () => {
    assert.deepEqual(t.classify(tcp(TCP_RST | TCP_ACK)), v('closed', 'reset'));
    assert.deepEqual(t.classify(tcp(TCP_RST)), v('closed', 'reset'));
    assert.equal(t.classify(tcp(TCP_SYN | TCP_ACK)), undefined);
    assert.deepEqual(t.noResponse, v('open|filtered', 'no-response'));
  });
}

test('UDP: an answer is open, port-unreach from the target closed, from another host filtered', () => {
  assert.deepEqual(udp.classify({ kind: 'udp' }), v('open', 'udp-response'));
  assert.deepEqual(udp.classify(icmp(3, true)), v('closed', 'port-unreach'));
  assert.deepEqual(udp.classify(icmp(3, false)), v('filtered', 'port-unreach'));
  for (const [code, reason] of FILTERING_CODES.filter(([c]) => c !== 3)) {
    assert.deepEqual(udp.classify(icmp(code, true)), v('filtered', reason), `code ${code}`);
    assert.deepEqual(udp.classify(icmp(code, false)), v('filtered', reason), `code ${code} from a router`);
  }
  assert.equal(udp.classify(icmp(4)), undefined);
  assert.deepEqual(udp.classify(icmp(0, false, 11)), v('filtered', 'time-exceeded'));
  assert.equal(udp.classify(tcp(TCP_RST)), undefined);
  assert.deepEqual(udp.noResponse, v('open|filtered', 'no-response'));
  assert.ok(udp.defaultRetries > syn.defaultRetries);
});

test('connect: connected open, refused closed, unreachable and forbidden filtered, timeout undecided', () => {
  assert.deepEqual(classifyConnect('connected'), v('open', 'syn-ack'));
  assert.deepEqual(classifyConnect('ECONNREFUSED'), v('closed', 'conn-refused'));
  assert.deepEqual(classifyConnect('EHOSTUNREACH'), v('filtered', 'host-unreach'));
  assert.deepEqual(classifyConnect('ENETUNREACH'), v('filtered', 'net-unreach'));
  assert.deepEqual(classifyConnect('EACCES'), v('filtered', 'admin-prohibited'));
  assert.deepEqual(classifyConnect('EPERM'), v('filtered', 'admin-prohibited'));
  assert.equal(classifyConnect('timeout'), undefined);
  assert.deepEqual(connectNoResponse, v('filtered', 'no-response'));
});

const fields = { srcIp: '198.18.21.1', dstIp: '198.18.21.2', srcPort: 40000, dstPort: 80, seq: 0xfffffffe };

test('TCP probes carry exactly their technique flags and the expected acknowledgement wraps', () => {
  const cases: [typeof syn, number, number][] = [
    [syn, TCP_SYN, 0xffffffff],
    [fin, TCP_FIN, 0xffffffff],
    [xmas, TCP_FIN | TCP_PSH | TCP_URG, 0xffffffff],
    [nullScan, 0, 0xfffffffe],
  ];
  for (const [t, flags, ack] of cases) {
    const d = decodeIPv4Packet(t.buildProbe(fields))!;
    assert.equal(d.ip?.src, fields.srcIp);
    assert.equal(d.ip?.dst, fields.dstIp);
    assert.equal(d.tcp?.srcPort, 40000);
    assert.equal(d.tcp?.dstPort, 80);
    assert.equal(d.tcp?.seq, 0xfffffffe);
    assert.equal(d.tcp?.flags, flags, t.name);
    assert.equal(d.l4ChecksumOk, true, t.name);
    assert.equal(t.expectedAck(0xfffffffe), ack, t.name);
  }
  assert.equal(syn.expectedAck(0xffffffff), 0);
  assert.deepEqual(decodeIPv4Packet(syn.buildProbe(fields))!.tcp?.options.find((o) => o.kind === 2)?.data, Uint8Array.of(0x05, 0xb4), 'SYN carries MSS 1460');
});

test('UDP probes carry the service payload on well-known ports and nothing elsewhere', () => {
  for (const port of [53, 123, 137, 161, 1900, 5353]) {
    const d = decodeIPv4Packet(udp.buildProbe({ ...fields, dstPort: port }))!;
    assert.equal(d.udp?.dstPort, port);
    assert.ok(udpPayloadFor(port).length > 0, `payload for ${port}`);
    assert.deepEqual(Buffer.from(d.udp?.payload ?? []), Buffer.from(udpPayloadFor(port)));
  }
  const empty = decodeIPv4Packet(udp.buildProbe({ ...fields, dstPort: 9 }))!;
  assert.equal(empty.udp?.payload.length, 0);
  assert.equal(empty.ip?.totalLength, 28);
});
