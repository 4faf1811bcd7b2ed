import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNmapAgreement, formatStateTable, truthInLab } from '../../src/cli/demo/state-table';
import { labTopology } from '../../src/lab';
import { plannedDescription } from '../../src/lab/describe';
import { parseNmapXml } from '../../src/report';
import type { PortResult } from '../../src/protocol';

const LAB = plannedDescription(labTopology(0));
const truth = truthInLab(LAB);

const at =
  (target: string) =>
  (technique: PortResult['technique'], port: number, state: PortResult['state'], reason: PortResult['reason']): PortResult => ({
    technique,
    target,
    port,
    protocol: technique === 'udp' ? 'udp' : 'tcp',
    state,
    reason,
    exchange: [],
  });
const r = at('198.18.0.2');
const stateless = at('198.18.0.3');
const ipv6 = at('2001:2::2');

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
    truth,
  );
  const [header, rule, syn, udp] = text.trimEnd().split('\n');
  assert.match(header!, /^technique\s+open\s+closed\s+filtered-drop\s+filtered-reject$/);
  assert.match(rule!, /^-+( +-+){4}$/);
  assert.match(syn!, /^syn\s+open syn-ack\s+closed reset\s+filtered no-response\s+filtered admin-prohibited$/);
  assert.match(udp!, /^udp\s+-\s+closed port-unreach\s+-\s+-$/);
});

test('ports alike by construction but answered differently show both answers in their cell', () => {
  const text = formatStateTable([r('null', 110, 'filtered', 'admin-prohibited'), r('null', 3306, 'open|filtered', 'no-response')], truth);
  assert.match(text, /filtered admin-prohibited \/ open\|filtered no-response/);
});

test("the stateless host's table reads its own truth: port 80 is filtered-syn there, the ACK-scan lesson in one column", () => {
  const text = formatStateTable(
    [
      stateless('syn', 22, 'open', 'syn-ack'),
      stateless('syn', 23, 'closed', 'reset'),
      stateless('syn', 25, 'filtered', 'no-response'),
      stateless('syn', 80, 'filtered', 'no-response'),
      stateless('ack', 22, 'unfiltered', 'reset'),
      stateless('ack', 23, 'unfiltered', 'reset'),
      stateless('ack', 25, 'filtered', 'no-response'),
      stateless('ack', 80, 'unfiltered', 'reset'),
    ],
    truth,
  );
  const [header, , syn, ack] = text.trimEnd().split('\n');
  // No filtered-reject column: the stateless host has no such port.
  assert.match(header!, /^technique\s+open\s+closed\s+filtered-drop\s+filtered-syn$/);
  assert.match(syn!, /^syn\s+open syn-ack\s+closed reset\s+filtered no-response\s+filtered no-response$/);
  assert.match(ack!, /^ack\s+unfiltered reset\s+unfiltered reset\s+filtered no-response\s+unfiltered reset$/);
});

test("the IPv6 target's ports have the target's truth, in any spelling of its address", () => {
  const text = formatStateTable(
    [ipv6('syn', 110, 'filtered', 'admin-prohibited'), at('2001:2:0:0:0:0:0:2')('syn', 80, 'open', 'syn-ack'), ipv6('syn', 443, 'closed', 'reset')],
    truth,
  );
  const [header, , syn] = text.trimEnd().split('\n');
  assert.match(header!, /^technique\s+open\s+closed\s+filtered-reject$/);
  assert.match(syn!, /^syn\s+open syn-ack\s+closed reset\s+filtered admin-prohibited$/);
});

test('a port of a host the lab lists no ports for is an error, not a guess', () => {
  assert.throws(() => formatStateTable([at('198.18.0.4')('syn', 80, 'closed', 'reset')], truth), /lab 0 lists no ports of 198\.18\.0\.4/);
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

test("nmap -6's XML is matched to the IPv6 scan's ports, whatever spelling nmap gives the address", () => {
  // nmap -6 -oX as nmap 7.93 writes it (trimmed), the address in its full spelling
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -6 -sA -Pn -n --reason -p 22,25 -oX - 2001:2::2" start="1796569200" version="7.93" xmloutputversion="1.05">
<scaninfo type="ack" protocol="tcp" numservices="2" services="22,25"/>
<host><status state="up" reason="user-set" reason_ttl="0"/>
<address addr="2001:2:0:0:0:0:0:2" addrtype="ipv6"/>
<ports><port protocol="tcp" portid="22"><state state="unfiltered" reason="reset" reason_ttl="64"/></port>
<port protocol="tcp" portid="25"><state state="filtered" reason="no-response" reason_ttl="0"/></port>
</ports></host></nmaprun>`;
  const answers = parseNmapXml(xml)?.ports;
  const results = [ipv6('ack', 22, 'unfiltered', 'reset'), ipv6('ack', 25, 'filtered', 'no-response')];
  assert.equal(
    formatNmapAgreement(results, (t) => (t === 'ack' ? answers : undefined)),
    'ack: nmap agrees on all 2 ports (state and reason)\n',
  );
});
