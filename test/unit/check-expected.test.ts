import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabTruth, TECHNIQUES, type PortState, type Reason, type Technique } from '../../src/protocol';
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
