import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNmapAgreement, formatStateTable } from '../../src/cli/demo/state-table';
import { labTruthOf } from '../../src/lab';
import type { PortResult } from '../../src/protocol';

const r = (technique: PortResult['technique'], port: number, state: PortResult['state'], reason: PortResult['reason']): PortResult => ({
  technique,
  target: '198.18.0.2',
  port,
  protocol: technique === 'udp' ? 'udp' : 'tcp',
  state,
  reason,
  exchange: [],
});

test("the demo's table puts each answer under how the lab made the port, in technique order", () => {
  const text = formatStateTable(
    [
      r('udp', 69, 'closed', 'port-unreach'),
      r('syn', 22, 'open', 'syn-ack'),
      r('syn', 23, 'closed', 'reset'),
      r('syn', 443, 'closed', 'reset'),
      r('syn', 25, 'filtered', 'no-response'),
      r('syn', 110, 'filtered', 'admin-prohibited'),
    ],
    labTruthOf,
  );
  const [header, rule, syn, udp] = text.trimEnd().split('\n');
  assert.match(header!, /^technique\s+open\s+closed\s+filtered-drop\s+filtered-reject$/);
  assert.match(rule!, /^-+( +-+){4}$/);
  assert.match(syn!, /^syn\s+open syn-ack\s+closed reset\s+filtered no-response\s+filtered admin-prohibited$/);
  assert.match(udp!, /^udp\s+-\s+closed port-unreach\s+-\s+-$/);
});

test('ports alike by construction but answered differently show both answers in their cell', () => {
  const text = formatStateTable([r('null', 110, 'filtered', 'admin-prohibited'), r('null', 3306, 'open|filtered', 'no-response')], labTruthOf);
  assert.match(text, /filtered admin-prohibited \/ open\|filtered no-response/);
});

test('under the table, the demo says per technique whether nmap gave every port the same state and reason', () => {
  const results = [
    r('syn', 22, 'open', 'syn-ack'),
    r('syn', 25, 'filtered', 'no-response'),
    r('udp', 1900, 'filtered', 'admin-prohibited'),
    r('fin', 22, 'open|filtered', 'no-response'),
  ];
  const nmap = new Map([
    [
      'syn',
      new Map([
        ['198.18.0.2:22', { state: 'open', reason: 'syn-ack' }],
        ['198.18.0.2:25', { state: 'filtered', reason: 'no-response' }],
      ]),
    ],
    ['udp', new Map([['198.18.0.2:1900', { state: 'open|filtered', reason: 'no-response' }]])],
  ]);
  const lines = formatNmapAgreement(results, (t) => nmap.get(t))
    .trimEnd()
    .split('\n');
  assert.deepEqual(lines, [
    'syn: nmap agrees on all 2 ports (state and reason)',
    'fin: nmap did not run',
    'udp: nmap differs on 1 of 1 ports: 1900/udp nmap open|filtered no-response, portlab filtered admin-prohibited',
  ]);
});
