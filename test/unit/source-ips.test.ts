import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARP_OP_REPLY,
  buildArpRequest,
  buildUdpFrame,
  buildUdpPacket,
  decodeFrame,
  decodeIPv4Packet,
  encodeIcmp,
  encodeIPv4,
  IPPROTO_ICMP,
  type DecodedFrame,
} from '../../src/wire';
import { UserError } from '../../src/base/errors';
import { ProbeMatcher } from '../../src/engine/probe-matcher';
import { checkSourceIps, MAX_SOURCE_IPS, parseSourceIps } from '../../src/wire/source-ips';
import { RAW_TECHNIQUES } from '../../src/technique';
import { ArpResponder, isArpFrame } from '../../src/link/arp-responder';

const IFACE = [{ address: '198.18.5.1', cidr: '198.18.5.1/24' }];
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UserError, `a UserError, not ${String(err)}`);
    return err.message;
  }
  assert.fail('accepted');
};

test('--source-ips: last-octet ranges, full ranges, CIDR blocks and lists, in order without duplicates', () => {
  assert.deepEqual(parseSourceIps('198.18.5.100-103'), ['198.18.5.100', '198.18.5.101', '198.18.5.102', '198.18.5.103']);
  assert.deepEqual(parseSourceIps('198.18.5.254-198.18.6.1'), ['198.18.5.254', '198.18.5.255', '198.18.6.0', '198.18.6.1']);
  assert.deepEqual(parseSourceIps('198.18.5.99/29'), [
    '198.18.5.96',
    '198.18.5.97',
    '198.18.5.98',
    '198.18.5.99',
    '198.18.5.100',
    '198.18.5.101',
    '198.18.5.102',
    '198.18.5.103',
  ]);
  assert.deepEqual(parseSourceIps('198.18.5.7, 198.18.5.5-7'), ['198.18.5.7', '198.18.5.5', '198.18.5.6']);
  assert.deepEqual(parseSourceIps('198.18.5.9'), ['198.18.5.9']);
});

test('--source-ips: malformed, reversed and oversized ranges are one clear line', () => {
  for (const bad of [
    '',
    'x',
    '198.18.5',
    '198.18.5.300',
    '198.18.5.10-5',
    '198.18.5.1-256',
    '198.18.5.0/33',
    '198.18.5.1/x',
    '1.2.3.4-5.6',
    '198.18.5.1-198.18.5.0',
  ]) {
    assert.match(
      refusal(() => parseSourceIps(bad)),
      /^bad --source-ips/,
      bad,
    );
  }
  assert.match(
    refusal(() => parseSourceIps('198.18.0.0/16')),
    new RegExp(`more than ${MAX_SOURCE_IPS}`),
  );
});

test('sources must be unused-able addresses of the interface subnet: not off-subnet, own, network or broadcast', () => {
  checkSourceIps(parseSourceIps('198.18.5.100-107'), 'veth0', IFACE);
  assert.equal(
    refusal(() => checkSourceIps(['198.18.5.100', '198.18.6.3'], 'veth0', IFACE)),
    "--source-ips: 198.18.6.3 is not on veth0's subnet (198.18.5.0/24)",
  );
  assert.match(
    refusal(() => checkSourceIps(['198.18.5.1'], 'veth0', IFACE)),
    /198\.18\.5\.1 is veth0's own address/,
  );
  assert.match(
    refusal(() => checkSourceIps(['198.18.5.0'], 'veth0', IFACE)),
    /198\.18\.5\.0 is the network address of 198\.18\.5\.0\/24/,
  );
  assert.match(
    refusal(() => checkSourceIps(['198.18.5.255'], 'veth0', IFACE)),
    /198\.18\.5\.255 is the broadcast address/,
  );
  assert.match(
    refusal(() => checkSourceIps(['198.18.5.9'], 'veth0', [])),
    /not on veth0's subnet \(none\)/,
  );
});

const SOURCES = ['198.18.5.100', '198.18.5.101', '198.18.5.102'];
const TARGET = '198.18.5.2';
const BASE = 45000;
const udp = new ProbeMatcher(RAW_TECHNIQUES.udp, [53, 69, 161, 1000], SOURCES, TARGET, 0, BASE);
const dec = (bytes: Uint8Array): DecodedFrame => decodeIPv4Packet(bytes)!;
const reply = (dst: string, srcPort: number, dstPort: number) => dec(buildUdpPacket({ srcIp: TARGET, dstIp: dst, srcPort, dstPort }));
const unreachable = (index: number, attempt: number, quotedSrc: string, to = quotedSrc) => {
  const probe = buildUdpPacket({ srcIp: quotedSrc, dstIp: TARGET, srcPort: udp.sourcePort(attempt), dstPort: udp.ports[index]! });
  return dec(encodeIPv4({ src: TARGET, dst: to, protocol: IPPROTO_ICMP }, encodeIcmp({ type: 3, code: 3, payload: probe.subarray(0, 28) })));
};

test('several sources: ports and tries rotate over them, and answers match by source address and port', () => {
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => udp.source(i, 0)),
    [SOURCES[0], SOURCES[1], SOURCES[2], SOURCES[0]],
  );
  assert.deepEqual(
    [0, 1, 2].map((a) => udp.source(1, a)),
    [SOURCES[1], SOURCES[2], SOURCES[0]],
    "a port's retransmissions leave from the next source",
  );
  assert.deepEqual(udp.match(reply(SOURCES[1]!, 69, BASE)), { kind: 'answer', index: 1, attempt: 0, answer: { kind: 'udp' } });
  assert.equal(udp.match(reply(SOURCES[2]!, 69, BASE)), undefined, 'the right port at a source that try did not use');
  assert.equal(udp.match(reply(SOURCES[2]!, 69, BASE + 1))?.kind, 'answer', 'the second try of port 69 left from the third source');
  assert.equal(udp.match(unreachable(3, 0, SOURCES[0]!))?.kind, 'answer');
  assert.equal(udp.match(unreachable(3, 0, SOURCES[1]!)), undefined, 'an ICMP quoting a probe this source never sent');
  assert.equal(udp.match(unreachable(3, 0, SOURCES[0]!, SOURCES[1])), undefined, 'an ICMP sent to another source than the quoted one');
  const own = dec(buildUdpPacket({ srcIp: SOURCES[2]!, dstIp: TARGET, srcPort: BASE, dstPort: 161 }));
  assert.equal(udp.match(own)?.kind, 'own');
});

test('the ARP responder answers its next hop for the sources only, with the interface MAC', () => {
  const sent: Uint8Array[] = [];
  const responder = new ArpResponder('02:00:00:00:00:01', SOURCES, TARGET, (f) => sent.push(f));
  const ask = (from: string, who: string) => buildArpRequest({ srcMac: '02:00:00:00:00:02', srcIp: from, targetIp: who });
  for (const frame of [ask(TARGET, '198.18.5.1'), ask('198.18.5.3', SOURCES[0]!), ask(TARGET, '198.18.5.103')]) {
    assert.ok(isArpFrame(frame));
    responder.onArp(frame);
  }
  assert.equal(sent.length, 0, 'not our kernel address, not another host, not an address outside the sources');
  responder.onArp(ask(TARGET, SOURCES[1]!));
  assert.equal(sent.length, 1);
  const d = decodeFrame(sent[0]!)!;
  assert.deepEqual([d.eth?.dst, d.eth?.src], ['02:00:00:00:00:02', '02:00:00:00:00:01']);
  assert.deepEqual(d.arp, { op: ARP_OP_REPLY, senderMac: '02:00:00:00:00:01', senderIp: SOURCES[1], targetMac: '02:00:00:00:00:02', targetIp: TARGET });
  const ipFrame = buildUdpFrame({ srcMac: '02:00:00:00:00:02', dstMac: '02:00:00:00:00:01', srcIp: TARGET, dstIp: SOURCES[0]!, srcPort: 1, dstPort: 2 });
  assert.equal(isArpFrame(ipFrame), false);
});
