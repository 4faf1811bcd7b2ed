import { test } from 'node:test';
import assert from 'node:assert/strict';
import { targetPortOf } from '../../src/check/frame-port';
import {
  buildTcpFrame,
  buildUdpPacket,
  decodeFrame,
  encodeEthernet,
  encodeIcmp,
  encodeIPv4,
  ETHERTYPE_IPV4,
  IPPROTO_ICMP,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
} from '../../src/wire';

const US = '198.18.80.1';
const TARGET = '198.18.80.2';
const MACS = { srcMac: '02:70:6c:50:00:01', dstMac: '02:70:6c:50:00:02' };
const checked =
  (...ports: number[]) =>
  (p: number) =>
    ports.includes(p);

function icmpError(from: string, to: string, quoted: Uint8Array, code: number) {
  const packet = encodeIPv4({ src: from, dst: to, protocol: IPPROTO_ICMP }, encodeIcmp({ type: 3, code, payload: quoted.slice(0, 28) }));
  return decodeFrame(encodeEthernet(MACS.srcMac, MACS.dstMac, ETHERTYPE_IPV4, packet))!;
}

test('TCP packets go to the target port, whichever way they travel', () => {
  const probe = decodeFrame(buildTcpFrame({ ...MACS, srcIp: US, dstIp: TARGET, srcPort: 40000, dstPort: 80, seq: 0, flags: TCP_SYN }))!;
  const answer = decodeFrame(buildTcpFrame({ ...MACS, srcIp: TARGET, dstIp: US, srcPort: 80, dstPort: 40000, seq: 0, ack: 1, flags: TCP_SYN | TCP_ACK }))!;
  assert.equal(targetPortOf(probe, TARGET, 'tcp', checked(80)), 80);
  assert.equal(targetPortOf(answer, TARGET, 'tcp', checked(80)), 80);
  assert.equal(targetPortOf(answer, TARGET, 'tcp', checked(22)), undefined, 'no run for the port');
  assert.equal(targetPortOf(answer, TARGET, 'udp', checked(80)), undefined, 'another protocol than the technique');
  assert.equal(targetPortOf(answer, '198.18.80.9', 'tcp', checked(80)), undefined, 'another target');
});

test("an ICMP error goes to the port of the datagram it quotes: the target's about a probe, ours about an answer", () => {
  const probe = buildUdpPacket({ srcIp: US, dstIp: TARGET, srcPort: 40000, dstPort: 514 });
  assert.equal(targetPortOf(icmpError(TARGET, US, probe, 13), TARGET, 'udp', checked(514)), 514);
  const echo = buildUdpPacket({ srcIp: TARGET, dstIp: US, srcPort: 7, dstPort: 40000 });
  assert.equal(targetPortOf(icmpError(US, TARGET, echo, 3), TARGET, 'udp', checked(7)), 7);
  assert.equal(targetPortOf(icmpError(TARGET, US, probe, 13), TARGET, 'tcp', checked(514)), undefined, 'it quotes UDP, the run is TCP');
});

test('on loopback both ends share the address: the checked port tells them apart', () => {
  const lo = '127.0.0.1';
  const reset = decodeFrame(buildTcpFrame({ ...MACS, srcIp: lo, dstIp: lo, srcPort: 23, dstPort: 51000, seq: 0, ack: 1, flags: TCP_RST | TCP_ACK }))!;
  assert.equal(targetPortOf(reset, lo, 'tcp', checked(23)), 23);
  assert.equal(targetPortOf(reset, lo, 'tcp', checked(23, 51000)), 51000, 'the destination port first, when both are checked');
});
