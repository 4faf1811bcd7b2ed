import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_TRUTH, STATELESS_TRUTH, filterRule, labPorts, labTruthOf, statelessPorts } from '../../src/lab';
import { LabPort } from '../../src/protocol';

const byTruth = (protocol: 'tcp' | 'udp') =>
  Object.fromEntries(
    (['open', 'closed', 'filtered-drop', 'filtered-reject'] as const).map((truth) => [
      truth,
      LAB_TRUTH.filter((p) => p.protocol === protocol && p.truth === truth).map((p) => p.port),
    ]),
  );

test('the truth table is the one the project conventions promise', () => {
  assert.deepEqual(byTruth('tcp'), { open: [22, 53, 80], closed: [23, 443], 'filtered-drop': [25, 8080], 'filtered-reject': [110, 3306] });
  assert.deepEqual(byTruth('udp'), { open: [7, 53], closed: [69, 162], 'filtered-drop': [123, 137], 'filtered-reject': [514, 1900] });
});

test('every port not in the table is closed', () => {
  assert.equal(labTruthOf(25, 'tcp'), 'filtered-drop');
  assert.equal(labTruthOf(25, 'udp'), 'closed');
  assert.equal(labTruthOf(7, 'tcp'), 'closed');
  assert.equal(labTruthOf(65535, 'udp'), 'closed');
});

test('labPorts: filtered ports carry their nft rule, quoted in how; open and closed ports have none', () => {
  const ports = labPorts('198.18.4.2');
  assert.equal(ports.length, LAB_TRUTH.length);
  for (const port of ports) {
    assert.equal(LabPort.safeParse(port).success, true);
    if (port.truth.startsWith('filtered')) {
      assert.ok(port.rule, `${port.protocol}/${port.port} has a rule`);
      assert.ok(port.how.endsWith(port.rule));
    } else {
      assert.equal(port.rule, undefined);
    }
  }
  assert.equal(ports.find((p) => p.port === 3306)?.rule, 'tcp dport 3306 reject with icmpx admin-prohibited');
  assert.equal(ports.find((p) => p.port === 137)?.rule, 'udp dport 137 drop');
  assert.match(ports.find((p) => p.port === 53 && p.protocol === 'udp')?.how ?? '', /^dnsmasq listens on 198\.18\.4\.2:53/);
});

test('labPorts with both addresses: listeners say where they listen in both families', () => {
  const ports = labPorts('198.18.4.2', '2001:2:0:4::2');
  assert.equal(
    ports.find((p) => p.port === 22 && p.protocol === 'tcp')?.how,
    'portlab lab listen (Node) listens on 198.18.4.2:22 and [2001:2:0:4::2]:22, and sends an SSH banner',
  );
  assert.match(ports.find((p) => p.port === 53 && p.protocol === 'udp')?.how ?? '', /lab\.portlab → 198\.18\.4\.2, 2001:2:0:4::2\)$/);
});

test('the stateless host: 22 open, 80 behind the SYN-only rule with its listener, 23 closed, 25 dropped; other ports closed', () => {
  assert.deepEqual(
    STATELESS_TRUTH.map((p) => `${p.protocol}/${p.port} ${p.truth}`),
    ['tcp/22 open', 'tcp/80 filtered-syn', 'tcp/23 closed', 'tcp/25 filtered-drop'],
  );
  const ports = statelessPorts('198.18.4.3', '2001:2:0:4::3');
  const web = ports.find((p) => p.port === 80)!;
  assert.equal(web.rule, 'tcp dport 80 tcp flags syn / syn,ack drop');
  assert.equal(web.service, 'http', 'a listener answers behind the rule');
  assert.ok(web.how.endsWith(web.rule!));
  assert.match(ports.find((p) => p.port === 23)!.how, /the stateless host's kernel answers a SYN with RST\/ACK/);
  for (const port of ports) assert.equal(LabPort.safeParse(port).success, true);
});

test('filterRule writes rules as nft list ruleset prints them', () => {
  assert.equal(filterRule({ port: 1900, protocol: 'udp', truth: 'filtered-reject' }), 'udp dport 1900 reject with icmpx admin-prohibited');
  assert.equal(filterRule({ port: 80, protocol: 'tcp', truth: 'filtered-syn' }), 'tcp dport 80 tcp flags syn / syn,ack drop');
  assert.equal(filterRule({ port: 8080, protocol: 'tcp', truth: 'filtered-drop' }), 'tcp dport 8080 drop');
  assert.equal(filterRule({ port: 22, protocol: 'tcp', truth: 'open' }), undefined);
  assert.equal(filterRule({ port: 23, protocol: 'tcp', truth: 'closed' }), undefined);
});
