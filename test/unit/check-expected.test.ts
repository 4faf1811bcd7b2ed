import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectationKey, labExpectations } from '../../src/check/expected';
import { LabTruth, TECHNIQUES, type LabDescription, type PortState, type Reason, type Technique } from '../../src/protocol';
import { expectedLabVerdict, labAnswer } from '../../src/technique/lab-answer';

/** nmap's documented answers (its man page's port-scanning techniques) for the lab's four kinds of port. */
const NMAP: Record<Technique, Record<LabTruth, [PortState, Reason]>> = {
  connect: {
    open: ['open', 'syn-ack'],
    closed: ['closed', 'conn-refused'],
    'filtered-drop': ['filtered', 'no-response'],
    'filtered-reject': ['filtered', 'host-unreach'],
  },
  syn: {
    open: ['open', 'syn-ack'],
    closed: ['closed', 'reset'],
    'filtered-drop': ['filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
  },
  xmas: {
    open: ['open|filtered', 'no-response'],
    closed: ['closed', 'reset'],
    'filtered-drop': ['open|filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
  },
  fin: {
    open: ['open|filtered', 'no-response'],
    closed: ['closed', 'reset'],
    'filtered-drop': ['open|filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
  },
  null: {
    open: ['open|filtered', 'no-response'],
    closed: ['closed', 'reset'],
    'filtered-drop': ['open|filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
  },
  udp: {
    open: ['open', 'udp-response'],
    closed: ['closed', 'port-unreach'],
    'filtered-drop': ['open|filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
  },
};

test('the technique table applied to the lab truth gives nmap state and reason for every technique and port kind', () => {
  for (const technique of TECHNIQUES)
    for (const truth of LabTruth.options) {
      const { state, reason } = expectedLabVerdict(technique, truth);
      assert.deepEqual([state, reason], NMAP[technique][truth], `${technique} × ${truth}`);
    }
});

test('an open TCP port answers only probes that carry SYN; a dropping firewall never answers', () => {
  assert.deepEqual(labAnswer('syn', 'open'), { kind: 'tcp', flags: 0x12 });
  assert.deepEqual(labAnswer('connect', 'open'), { kind: 'tcp', flags: 0x12 });
  for (const technique of ['fin', 'null', 'xmas'] as const) assert.equal(labAnswer(technique, 'open'), undefined);
  for (const technique of TECHNIQUES) assert.equal(labAnswer(technique, 'filtered-drop'), undefined);
  assert.deepEqual(labAnswer('udp', 'closed'), { kind: 'icmp', type: 3, code: 3, fromTarget: true });
  assert.deepEqual(labAnswer('fin', 'filtered-reject'), { kind: 'icmp', type: 3, code: 13, fromTarget: true });
});

test("a lab's expectations: each port's truth for its own protocol, and closed for a port the lab lists only for the other", () => {
  const lab: LabDescription = {
    id: 80,
    up: true,
    subnet: '198.18.80.0/24',
    hosts: [],
    ports: [
      { port: 53, protocol: 'udp', truth: 'open', how: 'dnsmasq listens on 198.18.80.2:53' },
      { port: 22, protocol: 'tcp', truth: 'filtered-drop', how: 'nft drop' },
    ],
    listeners: [],
    ruleset: '',
    sysctls: {},
  };
  const expectations = labExpectations(lab, [
    { technique: 'syn', ports: [53, 22] },
    { technique: 'udp', ports: [53, 22] },
  ]);
  assert.equal(expectations.size, 4);
  // 53 is listed for UDP only: a TCP check of it expects a closed port's answer
  assert.deepEqual(expectations.get(expectationKey('syn', 53)), { truth: 'closed', expected: { state: 'closed', reason: 'reset', source: 'lab' } });
  assert.deepEqual(expectations.get(expectationKey('udp', 53)), { truth: 'open', expected: { state: 'open', reason: 'udp-response', source: 'lab' } });
  assert.deepEqual(expectations.get(expectationKey('syn', 22)), {
    truth: 'filtered-drop',
    expected: { state: 'filtered', reason: 'no-response', source: 'lab' },
  });
  // and 22, listed for TCP only, is a closed UDP port
  assert.deepEqual(expectations.get(expectationKey('udp', 22)), { truth: 'closed', expected: { state: 'closed', reason: 'port-unreach', source: 'lab' } });
});
