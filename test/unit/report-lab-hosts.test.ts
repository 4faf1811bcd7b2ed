import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labTopology } from '../../src/lab';
import type { PortResult, ScanDocument } from '../../src/protocol';
import { renderReport, type ReportInput } from '../../src/report';
import { messagesFor } from '../../src/report/i18n';
import { syntheticLab } from '../fixtures/report/synthetic';

// The synthetic lab is lab 40, described as `lab up` describes it (four hosts on a switch, IPv4 and IPv6).
const topo = labTopology(40);

function synScanOf(target: string, results: [number, PortResult['state'], PortResult['reason']][]): ReportInput {
  const doc: ScanDocument = {
    tool: 'portlab 0.1.0',
    startedAt: '2026-01-01T00:00:00.000Z',
    command: ['portlab', 'scan', target, '-sS'],
    results: results.map(([port, state, reason]) => ({ technique: 'syn', target, port, protocol: 'tcp', state, reason, exchange: [] })),
  };
  return { doc, lab: syntheticLab(), captures: {}, nmapXml: {} };
}

/** The cells of the SYN scan's row for `port`. */
function synRow(report: string, port: number): string[] {
  const title = `## ${messagesFor('en').techniqueTitle('syn')}`;
  const section = report.slice(report.indexOf(title));
  const line = section.split('\n').find((l) => l.startsWith(`| ${port}/tcp |`));
  assert.ok(line, `no row for ${port}/tcp`);
  return line.split('|').map((c) => c.trim());
}

test('the topology draws every lab host on the switch, each with both addresses, the stateless rule and the zombie IP IDs', () => {
  const report = renderReport(synScanOf(topo.target.address, [[22, 'open', 'syn-ack']]), { lang: 'en' });
  const topology = report.slice(report.indexOf('## Topology'), report.indexOf('## How each port state'));
  assert.match(topology, /4 network namespaces, each joined by a veth pair to one switch .* on 198\.18\.40\.0\/24 and 2001:2:0:40::\/64\./);
  for (const end of [topo.scanner, topo.target, topo.stateless, topo.zombie]) {
    assert.ok(topology.includes(`${end.iface} ${end.address}/24<br/>${end.address6}/64<br/>MAC ${end.mac}`), end.role);
    assert.ok(topology.includes(`  ${end.role} <-->|"veth, bridge port ${end.role}"| switch`), end.role);
  }
  assert.ok(topology.includes('nftables drop SYN without ACK: tcp/80'));
  assert.ok(topology.includes('IP ID: one counter, +1 on 198.18.40.4, random on 198.18.40.5'));
});

test('a scan of the stateless host is judged against its own truth: 80 is filtered for SYN only', () => {
  const report = renderReport(
    synScanOf(topo.stateless.address, [
      [80, 'filtered', 'no-response'],
      [22, 'open', 'syn-ack'],
      [110, 'closed', 'reset'],
    ]),
    { lang: 'en' },
  );
  assert.equal(synRow(report, 80)[2], 'filtered (SYN only)');
  assert.equal(synRow(report, 22)[2], 'open');
  assert.equal(synRow(report, 110)[2], 'closed', 'a port the stateless host does not list is closed there, whatever the target has');
  assert.ok(report.includes('### The host behind a stateless firewall (198.18.40.3)'));
  assert.ok(report.includes('`tcp dport 80 tcp flags syn / syn,ack drop`'));
  assert.ok(report.includes('\ttcp dport 80 tcp flags syn / syn,ack drop\n'), 'its ruleset, verbatim');
});

test("a scan of the target's IPv6 address has the target's truth", () => {
  const report = renderReport(
    synScanOf(topo.target.address6, [
      [110, 'filtered', 'admin-prohibited'],
      [25, 'filtered', 'no-response'],
    ]),
    { lang: 'en' },
  );
  assert.equal(synRow(report, 110)[2], 'filtered (reject)');
  assert.equal(synRow(report, 25)[2], 'filtered (drop)');
});

test("the zombie's section says what it is, in both languages, and the target's listener table keeps only the target's", () => {
  const input = synScanOf(topo.target.address, [[22, 'open', 'syn-ack']]);
  const en = renderReport(input, { lang: 'en' });
  assert.match(
    en,
    /### The zombie \(198\.18\.40\.4\)\n\n`portlab lab zombie` answers every TCP segment to 198\.18\.40\.4 and 198\.18\.40\.5 from a raw socket/,
  );
  const targetListeners = en.slice(en.indexOf('### Listening services in the target namespace'), en.indexOf('### Target kernel settings'));
  assert.doesNotMatch(targetListeners, /4102|4103/, "the stateless host's listener and the zombie are not the target's");
  const zh = renderReport(input, { lang: 'zh-CN' });
  assert.ok(zh.includes('### 僵尸主机（198.18.40.4）'));
  assert.ok(zh.includes('### 无状态防火墙后的主机（198.18.40.3）'));
});
