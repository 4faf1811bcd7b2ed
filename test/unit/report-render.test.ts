import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { JSDOM } from 'jsdom';
import type { PortResult } from '../../src/protocol';
import { loadReportInput, renderReport, type ReportInput, type ReportLang } from '../../src/report';
import { messagesFor } from '../../src/report/i18n';
import { parseNmapXml } from '../../src/report/nmap';
import { VERDICT_KINDS, type VerdictKind } from '../../src/report/verdict';
import { EXPECTED_VERDICTS, syntheticInput, syntheticLab } from '../fixtures/report/synthetic';

const FIXTURES = join(import.meta.dirname, '../fixtures/report');
const LANGS: ReportLang[] = ['en', 'zh-CN'];

/** The table row of `port` in the section of `technique` (sections are in the order of the report). */
function rowCells(report: string, lang: ReportLang, technique: Parameters<ReturnType<typeof messagesFor>['techniqueTitle']>[0], port: string): string[] {
  const title = `## ${messagesFor(lang).techniqueTitle(technique)}`;
  const start = report.indexOf(title);
  assert.notEqual(start, -1, `section ${title} missing`);
  const end = report.indexOf('\n## ', start + title.length);
  const section = report.slice(start, end);
  const line = section.split('\n').find((l) => l.startsWith(`| ${port} |`));
  assert.ok(line, `no row for ${port} under ${technique}`);
  return line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

for (const lang of LANGS) {
  test(`the synthetic lab scan renders as its golden file (${lang})`, () => {
    const report = renderReport(syntheticInput(), { lang });
    const golden = join(FIXTURES, `synthetic.${lang}.md`);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, report);
    assert.equal(report, readFileSync(golden, 'utf8'));
  });

  test(`every port gets the verdict its captured exchange deserves (${lang})`, () => {
    const m = messagesFor(lang);
    const report = renderReport(syntheticInput(), { lang });
    for (const { technique, port, kind } of EXPECTED_VERDICTS) {
      const cells = rowCells(report, lang, technique, `${port}/${technique === 'udp' ? 'udp' : 'tcp'}`);
      const verdict = cells[6]!;
      assert.ok(verdict.startsWith(m.verdictShort(kind as VerdictKind)), `${technique} ${port}: ${verdict}`);
    }
  });

  test(`the analysis explains every verdict that differs from the textbook, and the results.json mismatch (${lang})`, () => {
    const m = messagesFor(lang);
    const report = renderReport(syntheticInput(), { lang });
    const analysis = report.slice(report.indexOf(`## ${m.analysis}`));
    for (const kind of ['answered-after-retries', 'silent-rate-limited', 'silent-stateful-firewall', 'unexpected', 'not-captured'] as const)
      assert.ok(analysis.includes(m.verdictShort(kind)), `${kind} missing from the analysis`);
    assert.ok(!analysis.includes(m.verdictShort('kernel-reset')));
    assert.ok(analysis.includes(m.disagreement('filtered (no-response)', 'open (syn-ack)')));
    assert.ok(analysis.includes('net.ipv4.icmp_ratelimit = 1000 ms'));
  });

  test(`the report is valid Markdown with well-formed tables (${lang})`, () => {
    const tokens = new MarkdownIt().parse(renderReport(syntheticInput(), { lang }), {});
    const tables = tokens.filter((t) => t.type === 'table_open').length;
    assert.ok(tables >= 10, `only ${tables} tables`);
    // A stray "|" (open|filtered unescaped) would add a cell: every row must have its header's width.
    let width = 0;
    let cells = 0;
    for (const t of tokens) {
      if (t.type === 'thead_open') width = 0;
      if (t.type === 'th_open') width++;
      if (t.type === 'tr_open') cells = 0;
      if (t.type === 'td_open') cells++;
      if (t.type === 'tr_close' && cells) assert.equal(cells, width);
    }
    assert.ok(tokens.some((t) => t.type === 'fence' && t.info === 'mermaid'));
  });
}

test('the same input gives the same report, and the two languages share no prose', () => {
  const en = renderReport(syntheticInput(), { lang: 'en' });
  assert.equal(renderReport(syntheticInput(), { lang: 'en' }), en);
  const zh = renderReport(syntheticInput(), { lang: 'zh-CN' });
  for (const phrase of ['matches the textbook', 'How each port state was simulated', 'no answer', 'Scanner', 'Why'])
    assert.ok(!zh.includes(phrase), `untranslated: ${phrase}`);
  for (const token of ['open|filtered', 'admin-prohibited', '`S → SA → R(kernel)`', 'ICMP 3/3', 'no-response'])
    assert.ok(zh.includes(token.replace('|', '\\|')) || zh.includes(token), `nmap token changed: ${token}`);
});

test('the synthetic scenario covers every verdict kind', () => {
  assert.deepEqual(new Set(EXPECTED_VERDICTS.map((v) => v.kind)), new Set(VERDICT_KINDS));
});

test('the lab section quotes each filtered port\'s nft rule and the ruleset verbatim', () => {
  const report = renderReport(syntheticInput(), { lang: 'en' });
  for (const rule of ['tcp dport 25 drop', 'tcp dport 110 reject with icmp admin-prohibited', 'udp dport 1900 reject with icmp admin-prohibited'])
    assert.ok(report.includes(`\`${rule}\``), rule);
  assert.ok(report.includes(syntheticLab().ruleset.trimEnd()));
});

test('a stateful rule in the target\'s ruleset is quoted as the cause of silent closed ports', () => {
  const input: ReportInput = syntheticInput();
  const lab = syntheticLab();
  lab.ruleset = lab.ruleset.replace('policy accept;\n', 'policy accept;\n\t\tct state invalid drop\n');
  const report = renderReport({ ...input, lab }, { lang: 'en' });
  const analysis = report.slice(report.indexOf('## Analysis'));
  assert.match(analysis, /TCP FIN scan \(`-sF`\), port 23\*\* — .*`ct state invalid drop`/);
});

test('without the lab, the simulation section is left for the student and columns follow the reported state', () => {
  const input = syntheticInput();
  const report = renderReport({ ...input, lab: undefined }, { lang: 'en' });
  assert.ok(report.includes(messagesFor('en').simulationFillIn));
  assert.ok(!report.includes('Lab truth'));
  // Without truth, FIN's silent port 23 is judged by its reported state (open|filtered): textbook silence.
  assert.ok(rowCells(report, 'en', 'fin', '23/tcp')[5]!.startsWith(messagesFor('en').verdictShort('silence-open-filtered')));
});

test('a real capture (nmap -sS on veth) gives kernel R, ICMP reject and RST verdicts', () => {
  const bytes = readFileSync(join(FIXTURES, '../captures/veth-tcp.pcap'));
  const result = (port: number, state: PortResult['state'], reason: PortResult['reason']): PortResult => ({ technique: 'syn', target: '198.18.200.2', port, protocol: 'tcp', state, reason, exchange: [] });
  const input: ReportInput = {
    doc: { tool: 'portlab 0.1.0', startedAt: '2026-01-01T00:00:00Z', results: [result(22, 'closed', 'reset'), result(25, 'filtered', 'admin-prohibited'), result(80, 'open', 'syn-ack')] },
    captures: { syn: { href: 'syn.pcap', bytes } },
    nmapXml: {},
  };
  const report = renderReport(input, { lang: 'en' });
  const m = messagesFor('en');
  assert.deepEqual(rowCells(report, 'en', 'syn', '80/tcp').slice(3), ['`S → SA → R(kernel)`', '`S → SA → R`', m.verdictShort('kernel-reset')]);
  assert.deepEqual(rowCells(report, 'en', 'syn', '25/tcp').slice(3, 4), ['`S → ICMP 3/13`']);
  assert.deepEqual(rowCells(report, 'en', 'syn', '22/tcp').slice(3), ['`S → RA`', '`S → RA`', m.verdictShort('textbook')]);
  assert.ok(report.includes('| Target | — | — | — | 198.18.200.2 | 02:00:00:c8:00:02 |'));
});

test('nmap XML (extraports folded) is read port by port and shown beside PortLab, differences analysed', () => {
  const xml = readFileSync(join(FIXTURES, 'nmap-sT-loopback.xml'), 'utf8');
  const run = parseNmapXml(xml)!;
  assert.equal(run.version, '7.93');
  assert.deepEqual(run.ports.get('127.0.0.1:23'), { state: 'closed', reason: 'conn-refused' });
  const results: PortResult[] = [
    { technique: 'connect', target: '127.0.0.1', port: 23, protocol: 'tcp', state: 'closed', reason: 'conn-refused', exchange: [] },
    { technique: 'connect', target: '127.0.0.1', port: 24, protocol: 'tcp', state: 'filtered', reason: 'no-response', exchange: [] },
  ];
  const report = renderReport({ doc: { tool: 'portlab 0.1.0', startedAt: '2026-01-01T00:00:00Z', results }, captures: {}, nmapXml: { connect: xml } }, { lang: 'en' });
  assert.equal(rowCells(report, 'en', 'connect', '23/tcp').at(-1), 'closed (conn-refused)');
  assert.equal(rowCells(report, 'en', 'connect', '24/tcp').at(-1), '≠ closed (conn-refused)');
  assert.ok(report.includes(messagesFor('en').nmapDiffers('closed (conn-refused)', 'filtered (no-response)')));
  assert.equal(parseNmapXml('<html>not nmap</html>'), undefined);
});

test('every Mermaid block parses with mermaid\'s own parser (both languages)', async () => {
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window;
  g.document = dom.window.document;
  const mermaid = (await import('mermaid')).default;
  mermaid.initialize({ startOnLoad: false });
  const input = syntheticInput();
  let blocks = 0;
  for (const report of [renderReport(input, { lang: 'en' }), renderReport(input, { lang: 'zh-CN' }), renderReport({ ...input, lab: undefined }, { lang: 'en' })]) {
    for (const t of new MarkdownIt().parse(report, {}).filter((t) => t.type === 'fence' && t.info === 'mermaid')) {
      blocks++;
      const parsed = await mermaid.parse(t.content);
      assert.ok(parsed && ['sequence', 'flowchart-v2'].includes(parsed.diagramType), t.content);
    }
  }
  assert.ok(blocks > 20, `${blocks} blocks`);
  await assert.rejects(mermaid.parse('sequenceDiagram\n  S->>: S\n  ]]]'));
});

test('the example report (a real lab run: captures, lab.json, nmap XML) renders as committed, in both languages', () => {
  const dir = join(import.meta.dirname, '../../docs/example-report');
  for (const [lang, file] of [['en', 'report.md'], ['zh-CN', 'report.zh-CN.md']] as const) {
    const path = join(dir, file);
    const report = renderReport(loadReportInput(dir, path), { lang });
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, report);
    assert.equal(report, readFileSync(path, 'utf8'));
  }
});
