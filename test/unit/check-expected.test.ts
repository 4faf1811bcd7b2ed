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
    'filtered-syn': ['filtered', 'no-response'],
  },
  syn: {
    open: ['open', 'syn-ack'],
    closed: ['closed', 'reset'],
    'filtered-drop': ['filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
    'filtered-syn': ['filtered', 'no-response'],
  },
  xmas: {
    open: ['open|filtered', 'no-response'],
    closed: ['closed', 'reset'],
    'filtered-drop': ['open|filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
    'filtered-syn': ['open|filtered', 'no-response'],
  },
  fin: {
    open: ['open|filtered', 'no-response'],
    closed: ['closed', 'reset'],
    'filtered-drop': ['open|filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
    'filtered-syn': ['open|filtered', 'no-response'],
  },
  null: {
    open: ['open|filtered', 'no-response'],
    closed: ['closed', 'reset'],
    'filtered-drop': ['open|filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
    'filtered-syn': ['open|filtered', 'no-response'],
  },
  udp: {
    open: ['open', 'udp-response'],
    closed: ['closed', 'port-unreach'],
    'filtered-drop': ['open|filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
    'filtered-syn': ['open', 'udp-response'],
  },
  // ACK, Window and Maimon against Linux: every segment with ACK draws a RST with window 0 from any port
  // it reaches, listening or not (RFC 793; nmap 7.93 on the lab says the same), and the SYN-only rule lets it pass.
  ack: {
    open: ['unfiltered', 'reset'],
    closed: ['unfiltered', 'reset'],
    'filtered-drop': ['filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
    'filtered-syn': ['unfiltered', 'reset'],
  },
  window: {
    open: ['closed', 'reset'],
    closed: ['closed', 'reset'],
    'filtered-drop': ['filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
    'filtered-syn': ['closed', 'reset'],
  },
  maimon: {
    open: ['closed', 'reset'],
    closed: ['closed', 'reset'],
    'filtered-drop': ['open|filtered', 'no-response'],
    'filtered-reject': ['filtered', 'admin-prohibited'],
    'filtered-syn': ['closed', 'reset'],
  },
  // nmap -sI through the lab's zombie: only a listener's SYN/ACK makes the zombie answer (and spend an IP ID)
  idle: {
    open: ['open', 'ipid-change'],
    closed: ['closed|filtered', 'no-ipid-change'],
    'filtered-drop': ['closed|filtered', 'no-ipid-change'],
    'filtered-reject': ['closed|filtered', 'no-ipid-change'],
    'filtered-syn': ['closed|filtered', 'no-ipid-change'],
  },
};

test('the technique table applied to the lab truth gives nmap state and reason for every technique and port kind', () => {
  for (const technique of TECHNIQUES)
    for (const truth of LabTruth.options) {
      const { state, reason } = expectedLabVerdict(technique, truth);
      assert.deepEqual([state, reason], NMAP[technique][truth], `${technique} × ${truth}`);
    }
});

test('an open TCP port answers a SYN with SYN/ACK, drops FIN, NULL and Xmas; a dropping firewall never answers', () => {
  assert.deepEqual(labAnswer('syn', 'open'), { kind: 'tcp', flags: 0x12, window: 64240 });
  assert.deepEqual(labAnswer('connect', 'open'), { kind: 'tcp', flags: 0x12, window: 64240 });
  for (const technique of ['fin', 'null', 'xmas'] as const) assert.equal(labAnswer(technique, 'open'), undefined);
  assert.deepEqual(labAnswer('fin', 'closed'), { kind: 'tcp', flags: 0x14, window: 0 });
  for (const technique of TECHNIQUES.filter((t) => t !== 'idle')) assert.equal(labAnswer(technique, 'filtered-drop'), undefined);
  // the idle scan reads the zombie, whose IP ID a dropped SYN leaves alone
  assert.deepEqual(labAnswer('idle', 'filtered-drop'), { kind: 'ipid', rise: 0, ports: 1 });
  assert.deepEqual(labAnswer('idle', 'open'), { kind: 'ipid', rise: 1, ports: 1 });
  assert.deepEqual(labAnswer('udp', 'closed'), { kind: 'icmp', ipVersion: 4, type: 3, code: 3, fromTarget: true });
  assert.deepEqual(labAnswer('fin', 'filtered-reject'), { kind: 'icmp', ipVersion: 4, type: 3, code: 13, fromTarget: true });
  // over IPv6 the same rules answer with ICMPv6: port unreachable 1/4, nft's icmpx admin-prohibited 1/1
  assert.deepEqual(labAnswer('udp', 'closed', 6), { kind: 'icmp', ipVersion: 6, type: 1, code: 4, fromTarget: true });
  assert.deepEqual(labAnswer('fin', 'filtered-reject', 6), { kind: 'icmp', ipVersion: 6, type: 1, code: 1, fromTarget: true });
});

test('over IPv6 every technique expects what it expects over IPv4, but connect() reads a reject as EACCES', () => {
  for (const technique of TECHNIQUES)
    for (const truth of LabTruth.options) {
      // Linux fails connect() with EHOSTUNREACH on ICMP 3/13 but EACCES on ICMPv6 1/1 (icmpv6_err_convert)
      const expected =
        technique === 'connect' && truth === 'filtered-reject' ? { state: 'filtered', reason: 'admin-prohibited' } : expectedLabVerdict(technique, truth);
      assert.deepEqual(expectedLabVerdict(technique, truth, 6), expected, `${technique} × ${truth}`);
    }
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

test('a probe with ACK draws a bare RST with window 0 from open and closed ports, and passes the SYN-only rule', () => {
  const reset = { kind: 'tcp', flags: 0x04, window: 0 };
  for (const technique of ['ack', 'window', 'maimon'] as const)
    for (const truth of ['open', 'closed', 'filtered-syn'] as const) assert.deepEqual(labAnswer(technique, truth), reset, `${technique} × ${truth}`);
  assert.equal(labAnswer('syn', 'filtered-syn'), undefined);
  assert.equal(labAnswer('fin', 'filtered-syn'), undefined);
});
