import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RAW_TECHNIQUES } from '../../src/technique';
import { decodeIPv4Packet, TCP_FIN, TCP_PSH, TCP_SYN, TCP_URG } from '../../src/wire';

const { syn, fin, xmas, null: nullScan, udp } = RAW_TECHNIQUES;
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
    assert.equal(t.protocol === 'tcp' && t.probe.flags, flags, `${t.name}: the table's probe is the one sent`);
    assert.equal(d.l4ChecksumOk, true, t.name);
    assert.equal(t.expectedAck(0xfffffffe), ack, t.name);
  }
  assert.equal(syn.expectedAck(0xffffffff), 0);
  assert.deepEqual(decodeIPv4Packet(syn.buildProbe(fields))!.tcp?.options.find((o) => o.kind === 2)?.data, Uint8Array.of(0x05, 0xb4), 'SYN carries MSS 1460');
});

test('UDP probes carry the service payload on well-known ports and nothing elsewhere', () => {
  const { payloadFor } = udp.protocol === 'udp' ? udp.probe : assert.fail('a UDP technique sends datagrams');
  for (const port of [53, 123, 137, 161, 1900, 5353]) {
    const d = decodeIPv4Packet(udp.buildProbe({ ...fields, dstPort: port }))!;
    assert.equal(d.udp?.dstPort, port);
    assert.ok(payloadFor(port).length > 0, `payload for ${port}`);
    assert.deepEqual(Buffer.from(d.udp?.payload ?? []), Buffer.from(payloadFor(port)));
  }
  // What the services answer, read from the datagrams rather than from the table: a DNS query (QR 0, one
  // question, recursion desired) and an NTP client request (mode 3, version 4, 48 bytes).
  const payloadOn = (port: number) => decodeIPv4Packet(udp.buildProbe({ ...fields, dstPort: port }))!.udp!.payload;
  const dns = payloadOn(53);
  assert.deepEqual([dns[2]! >> 7, dns[2]! & 1, (dns[4]! << 8) | dns[5]!], [0, 1, 1], 'a DNS query with one question');
  const ntp = payloadOn(123);
  assert.deepEqual([ntp.length, ntp[0]! & 7, (ntp[0]! >> 3) & 7], [48, 3, 4], 'an NTP v4 client request');
  const empty = decodeIPv4Packet(udp.buildProbe({ ...fields, dstPort: 9 }))!;
  assert.equal(empty.udp?.payload.length, 0);
  assert.equal(empty.ip?.totalLength, 28);
});
