import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { JSDOM } from 'jsdom';
import type { PortResult, ScanDocument } from '../../src/protocol';
import { loadReportInput, mergeScanDocuments, renderReport, type ReportInput, type ReportLang } from '../../src/report';
import { collectNmap, nmapPlace, type NmapHost } from '../../src/cli/nmap-run';
import { messagesFor } from '../../src/report/i18n';
import { parseNmapXml } from '../../src/report/nmap';
import { VERDICT_KINDS, type VerdictKind } from '../../src/analysis/verdict';
import { formatReportDate } from '../../src/report/report-date';
import { EXPECTED_VERDICTS, syntheticInput, syntheticLab } from '../fixtures/report/synthetic';
import { synResult } from '../support/port-result';

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

const GOLDEN_ZONE: Record<ReportLang, string> = { en: 'Europe/Paris', 'zh-CN': 'Asia/Shanghai' };

for (const lang of LANGS) {
  test(`the synthetic lab scan renders as its golden file (${lang})`, () => {
    // A fixed zone each, so that the golden files hold the same dates on every host.
    const report = renderReport(syntheticInput(), { lang, timeZone: GOLDEN_ZONE[lang] });
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
    for (const kind of ['answered-after-retries', 'silent-rate-limited', 'silent-closed-port', 'unexpected', 'not-captured'] as const)
      assert.ok(analysis.includes(m.verdictShort(kind)), `${kind} missing from the analysis`);
    // Qualified matches are explained too, after the differences; plain textbook matches are not listed.
    const qualified = analysis.indexOf(`### ${m.analysisQualified}`);
    assert.ok(qualified > analysis.indexOf(`### ${m.analysisDiffers}`));
    for (const kind of ['kernel-reset', 'kernel-port-unreachable', 'connect-teardown', 'retries-then-silence', 'icmp-reject', 'silence-open-filtered'] as const)
      assert.ok(analysis.indexOf(m.verdictShort(kind)) > qualified, `${kind} missing from the qualified matches`);
    assert.ok(!analysis.includes(m.verdictShort('textbook')));
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

/**
 * Runs of four or more Latin-letter words in the prose of a report: Markdown code (spans and
 * blocks, where flags, rules and reasons stand) and the technical tokens a zh-CN report keeps as
 * nmap writes them are left out first.
 */
function englishProse(report: string): string[] {
  const prose = report
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '')
    .replace(/\b(open\|filtered|open\\\|filtered)\b/g, '');
  return [...prose.matchAll(/[A-Za-z][\w'./()-]*(?:[ \t]+[A-Za-z][\w'./()-]*){3,}/g)].map((m) => m[0]);
}

test('the zh-CN report has no English prose outside code, in the lab\'s "how" column too', () => {
  const zh = renderReport(syntheticInput(), { lang: 'zh-CN' });
  assert.deepEqual(englishProse(zh), []);
  assert.deepEqual(englishProse(renderReport({ ...syntheticInput(), lab: undefined }, { lang: 'zh-CN' })), []);
  // The check does catch English: the same report in English is full of it.
  assert.ok(englishProse(renderReport(syntheticInput(), { lang: 'en' })).length > 50);
  assert.ok(zh.includes('| 22 | tcp | open | portlab lab listen（Node 程序）监听 198.18.40.2:22，连接后发送 SSH 欢迎信息 | — |'));
  assert.ok(zh.includes('| 53 | udp | open | dnsmasq 监听 198.18.40.2:53，通过 UDP 应答 DNS 查询（lab.portlab → 198.18.40.2） | — |'));
  for (const label of ['- 工具：', '- 日期：', '- 命令：']) assert.ok(zh.includes(label), label);
  assert.ok(!/^- [^\n:]*: /m.test(zh.slice(zh.indexOf('## 实验环境'), zh.indexOf('## 网络拓扑'))), 'ASCII colon in a zh-CN fact line');
  const m = messagesFor('zh-CN');
  assert.notEqual(m.colReason, m.why.replace(/[：:]$/, ''));
});

test('the header asks the student for their name only', () => {
  for (const lang of LANGS) {
    const m = messagesFor(lang);
    const report = renderReport(syntheticInput(), { lang });
    assert.equal(report.split(m.fillIn).length - 1, 1, lang);
    assert.ok(report.includes(`| ${m.studentFields[0]} | ${m.fillIn} |`));
  }
});

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

test("the lab section quotes each filtered port's nft rule and the ruleset verbatim", () => {
  const report = renderReport(syntheticInput(), { lang: 'en' });
  for (const rule of ['tcp dport 25 drop', 'tcp dport 110 reject with icmpx admin-prohibited', 'udp dport 1900 reject with icmpx admin-prohibited'])
    assert.ok(report.includes(`\`${rule}\``), rule);
  assert.ok(report.includes(syntheticLab().ruleset.trimEnd()));
});

test("a stateful rule in the target's ruleset is quoted as the cause of silent closed ports", () => {
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

test('without the lab, ports answered alike by every technique are one row to describe, as nmap folds them; the rest a row each', () => {
  const target = '198.18.41.2';
  const state = (port: number, open: PortResult['state'], silent: PortResult['state']) => (port === 22 ? open : port === 23 || port === 24 ? silent : 'closed');
  const results = range1to(100).flatMap((port) => [
    synResult(target, port, state(port, 'open', 'filtered'), 'reset'),
    { ...synResult(target, port, state(port, 'open|filtered', 'open|filtered'), 'reset'), technique: 'fin' as const },
  ]);
  const doc: ScanDocument = { tool: 'portlab', startedAt: '2026-12-06T03:00:00.000Z', results };
  const report = renderReport({ doc, captures: {}, nmapXml: {} }, { lang: 'en' });
  const m = messagesFor('en');
  const section = report.slice(report.indexOf(`## ${m.simulation}`), report.indexOf('\n## ', report.indexOf(`## ${m.simulation}`) + 3));
  const ports = section
    .split('\n')
    .filter((l) => l.endsWith(`| ${m.simulationFillInPrompt} |`))
    .map((l) => l.split(' | ')[0]!.slice(2));
  assert.deepEqual(ports, ['1-21,25-100', '22', '23', '24']);
});

function range1to(n: number): number[] {
  return Array.from({ length: n }, (_, k) => k + 1);
}

test('a real capture (nmap -sS on veth) gives kernel R, ICMP reject and RST verdicts', () => {
  const bytes = readFileSync(join(FIXTURES, '../captures/veth-tcp.pcap'));
  const result = (port: number, state: PortResult['state'], reason: PortResult['reason']): PortResult => ({
    technique: 'syn',
    target: '198.18.200.2',
    port,
    protocol: 'tcp',
    state,
    reason,
    exchange: [],
  });
  const input: ReportInput = {
    doc: {
      tool: 'portlab 0.1.0',
      startedAt: '2026-01-01T00:00:00Z',
      results: [result(22, 'closed', 'reset'), result(25, 'filtered', 'admin-prohibited'), result(80, 'open', 'syn-ack')],
    },
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
  const report = renderReport(
    { doc: { tool: 'portlab 0.1.0', startedAt: '2026-01-01T00:00:00Z', results }, captures: {}, nmapXml: { connect: xml } },
    { lang: 'en' },
  );
  assert.equal(rowCells(report, 'en', 'connect', '23/tcp').at(-1), 'closed (conn-refused)');
  assert.equal(rowCells(report, 'en', 'connect', '24/tcp').at(-1), '≠ closed (conn-refused)');
  assert.ok(report.includes(messagesFor('en').nmapDiffers('closed (conn-refused)', 'filtered (no-response)')));
  assert.equal(parseNmapXml('<html>not nmap</html>'), undefined);
});

test("every Mermaid block parses with mermaid's own parser (both languages)", async () => {
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window;
  g.document = dom.window.document;
  const mermaid = (await import('mermaid')).default;
  mermaid.initialize({ startOnLoad: false });
  const input = syntheticInput();
  let blocks = 0;
  for (const report of [
    renderReport(input, { lang: 'en' }),
    renderReport(input, { lang: 'zh-CN' }),
    renderReport({ ...input, lab: undefined }, { lang: 'en' }),
  ]) {
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
  for (const [lang, file] of [
    ['en', 'report.md'],
    ['zh-CN', 'report.zh-CN.md'],
  ] as const) {
    const path = join(dir, file);
    // The committed files were rendered in UTC; a developer's own zone must not make them differ.
    const report = renderReport(loadReportInput(dir, path), { lang, timeZone: 'UTC' });
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, report);
    assert.equal(report, readFileSync(path, 'utf8'));
  }
});

function loopbackConnectDoc(startedAt: string, ports: number[]): ScanDocument {
  return {
    tool: 'portlab 0.1.0',
    startedAt,
    scanner: { hostname: 'pc', kernel: 'Linux', tool: 'portlab 0.1.0', iface: 'lo', address: '127.0.0.1' },
    results: ports.map((port): PortResult => ({
      technique: 'connect',
      target: '127.0.0.1',
      port,
      protocol: 'tcp',
      state: 'closed',
      reason: 'conn-refused',
      exchange: [],
    })),
  };
}

function scanDir(doc: ScanDocument, xml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-report-unit-'));
  writeFileSync(join(dir, 'results.json'), JSON.stringify(doc));
  if (xml !== undefined) {
    mkdirSync(join(dir, 'nmap'));
    writeFileSync(join(dir, 'nmap', 'connect.xml'), xml);
  }
  return dir;
}

test('the report reads results.json without its exchanges, in the layout a scan writes or any other, and names a spoiled one', () => {
  const synthetic = syntheticInput().doc as ScanDocument;
  const probe = { dir: 'out', t: 0, kind: 'tcp', flags: 'S', src: '198.18.40.1', len: 44, retry: 0 } as const;
  const doc = { ...synthetic, results: synthetic.results.map((r) => ({ ...r, exchange: [probe] })) };
  const pretty = JSON.stringify(doc, null, 2);
  const expected = doc.results.map(({ exchange: _exchange, ...bare }) => bare);
  const bad = pretty.replace('"state": "open"', '"state": "half-open"');
  for (const [layout, text] of [
    ['as a scan writes it', pretty],
    ['on one line', JSON.stringify(doc)],
    ['spoiled', bad],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'portlab-report-unit-'));
    try {
      writeFileSync(join(dir, 'results.json'), text);
      const load = () => loadReportInput(dir, join(dir, 'report.md'));
      if (layout === 'spoiled') {
        assert.throws(load, /results\.json: not a PortLab scan document \(results\.\d+\.state: /);
        continue;
      }
      const { doc: read } = load();
      assert.deepEqual(read.results, expected, layout);
      assert.equal(read.startedAt, doc.startedAt, layout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("an nmap XML is used only when it is this scan's: same technique, ports and target, not older; the report says when and how nmap ran", () => {
  const xml = readFileSync(join(FIXTURES, 'nmap-sT-loopback.xml'), 'utf8'); // -sT 127.0.0.1 ports 1-30, started 2026-11-25T20:44:12Z
  const ports = Array.from({ length: 30 }, (_, i) => i + 1);
  const m = messagesFor('en');
  const cases: [string, ScanDocument, string | undefined][] = [
    ['this scan', loopbackConnectDoc('2026-11-25T20:44:11.500Z', ports), undefined],
    ['older', loopbackConnectDoc('2026-11-25T20:50:00.000Z', ports), m.nmapStale('older', 'nmap/connect.xml')],
    ['other ports', loopbackConnectDoc('2026-11-25T20:44:00.000Z', [22, 23]), m.nmapStale('other-ports', 'nmap/connect.xml')],
  ];
  for (const [name, doc, stale] of cases) {
    const dir = scanDir(doc, xml);
    try {
      const report = renderReport(loadReportInput(dir, join(dir, 'report.md')), { lang: 'en', timeZone: 'UTC' });
      const section = report.slice(report.indexOf(`## ${m.techniqueTitle('connect')}`));
      if (stale) {
        assert.ok(section.includes(stale), name);
        assert.ok(!section.includes(`| ${m.colNmap} |`), `${name}: stale nmap column shown`);
      } else {
        assert.ok(section.includes(`| ${m.colNmap} |`), name);
        assert.ok(section.includes(m.nmapRan('7.93', '25 November 2026, 20:44 UTC+00:00', 'nmap -sT -Pn -n -p 1-30 --reason -oX - 127.0.0.1')), name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

const FAKE_HOST: NmapHost = { currentNetns: () => undefined, namedNetnsExists: (name) => name === 'portlab7-scanner', sourceFor: () => '10.0.2.15' };

test("nmap runs only in the namespace the scan ran in, and never at an address outside the scope guard's ranges", () => {
  const doc = (netns: string | undefined, target = '198.18.7.2'): ScanDocument => ({
    tool: 'portlab 0.1.0',
    startedAt: '2026-01-01T00:00:00Z',
    scanner: { hostname: 'pc', kernel: 'Linux', tool: 'portlab 0.1.0', iface: 'pl7s', address: '198.18.7.1', ...(netns ? { netns } : {}) },
    results: [{ technique: 'syn', target, port: 22, protocol: 'tcp', state: 'open', reason: 'syn-ack', exchange: [] }],
  });
  assert.deepEqual(nmapPlace(doc('portlab7-scanner'), undefined, ['198.18.7.2'], FAKE_HOST), { namespace: 'portlab7-scanner' });
  assert.deepEqual(nmapPlace(doc('portlab8-scanner'), undefined, ['198.18.7.2'], FAKE_HOST), { problem: { kind: 'netns-gone', detail: 'portlab8-scanner' } });
  assert.deepEqual(nmapPlace(doc('net:[4026532999]'), undefined, ['198.18.7.2'], FAKE_HOST), {
    problem: { kind: 'netns-unnamed', detail: 'net:[4026532999]' },
  });
  // Scanned from the host's namespace, but from here 198.18.7.2 would leave by another source (the default route).
  assert.deepEqual(nmapPlace(doc(undefined), undefined, ['198.18.7.2'], FAKE_HOST), { problem: { kind: 'route-differs', detail: '198.18.7.2 (198.18.7.1)' } });
  assert.deepEqual(nmapPlace(doc(undefined), undefined, ['198.18.7.2'], { ...FAKE_HOST, sourceFor: () => '198.18.7.1' }), {});
  assert.deepEqual(nmapPlace(doc(undefined), undefined, ['198.18.7.2'], { ...FAKE_HOST, currentNetns: () => 'elsewhere' }), {
    problem: { kind: 'other-netns', detail: 'elsewhere' },
  });
  assert.deepEqual(nmapPlace(doc('portlab7-scanner', '8.8.8.8'), undefined, ['8.8.8.8'], FAKE_HOST), { problem: { kind: 'outside-scope', detail: '8.8.8.8' } });
});

test('a --with-nmap run that cannot run removes the old XML and the report says why nmap was not run', async () => {
  const xml = readFileSync(join(FIXTURES, 'nmap-sT-loopback.xml'), 'utf8');
  const doc = loopbackConnectDoc(
    '2026-11-25T20:44:11.500Z',
    Array.from({ length: 30 }, (_, i) => i + 1),
  );
  doc.scanner!.netns = 'portlab8-scanner';
  const dir = scanDir(doc, xml);
  try {
    const problems = await collectNmap(dir, doc, undefined, FAKE_HOST);
    assert.equal(problems.length, 1);
    assert.ok(!existsSync(join(dir, 'nmap', 'connect.xml')), 'the old XML is still there');
    const report = renderReport(loadReportInput(dir, join(dir, 'report.md')), { lang: 'en' });
    assert.ok(!report.includes(`| ${messagesFor('en').colNmap} |`));
    assert.match(report, /nmap was not run beside this technique \([^)]+\): the scan ran in the network namespace portlab8-scanner, which no longer exists/);
    const zh = renderReport(loadReportInput(dir, join(dir, 'report.md')), { lang: 'zh-CN' });
    assert.ok(zh.includes('扫描是在网络命名空间 portlab8-scanner 中进行的，它已不存在'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('scans merged into one folder: a result replaces the same technique, target, port and protocol; both techniques are reported', () => {
  const input = syntheticInput();
  const syn = { ...input.doc, results: input.doc.results.filter((r) => r.technique === 'syn'), summary: undefined };
  const later = {
    ...input.doc,
    startedAt: '2026-01-01T00:10:00.000Z',
    command: ['portlab', 'scan', '198.18.40.2', '-sU', '--out', 'synthetic'],
    results: [...input.doc.results.filter((r) => r.technique === 'udp'), { ...syn.results[0]!, state: 'closed' as const, reason: 'reset' as const }],
  };
  const merged = mergeScanDocuments(syn, later);
  assert.equal(merged.results.filter((r) => r.technique === 'syn').length, syn.results.length);
  assert.equal(merged.results.find((r) => r.technique === 'syn' && r.port === syn.results[0]!.port)?.state, 'closed');
  assert.deepEqual(merged.earlier, [{ startedAt: syn.startedAt, command: syn.command }]);
  const report = renderReport({ ...input, doc: merged }, { lang: 'en', timeZone: 'UTC' });
  const m = messagesFor('en');
  for (const technique of ['syn', 'udp'] as const) assert.ok(report.includes(`## ${m.techniqueTitle(technique)}`));
  assert.ok(
    report.includes(
      `- ${m.commands}: \n  - 1 January 2026, 00:00 UTC+00:00: \`portlab scan 198.18.40.2 --out synthetic\`\n  - 1 January 2026, 00:10 UTC+00:00: \`portlab scan 198.18.40.2 -sU --out synthetic\``,
    ),
  );
});

test("without the lab, the topology shows the scanner's prefix and namespace, a router when the target is not on-link, and the MAC seen", () => {
  const input = syntheticInput();
  const scanner = { ...input.doc.scanner!, prefixLength: 24, gateway: '198.18.40.254' };
  const report = renderReport({ ...input, lab: undefined, doc: { ...input.doc, scanner } }, { lang: 'en' });
  const topology = report.slice(report.indexOf('## Topology'), report.indexOf('## How each'));
  assert.ok(topology.includes('pl40s 198.18.40.1/24'));
  assert.ok(topology.includes('router["Router (next hop)<br/>198.18.40.254<br/>MAC 02:70:6c:28:00:02"]'), topology);
  assert.ok(topology.includes('scanner <-->|"198.18.40.0/24"| router'));
  assert.ok(topology.includes('target0["Target<br/>198.18.40.2"]'));
  const onLink = renderReport({ ...input, lab: undefined, doc: { ...input.doc, scanner: { ...scanner, gateway: undefined } } }, { lang: 'en' });
  assert.ok(onLink.includes('target0["Target<br/>198.18.40.2<br/>MAC 02:70:6c:28:00:02"]'));
});

test('a diagram shared by several ports says whose timing it shows', () => {
  // Without the lab's truth, FIN's ports 22 and 23 are both silent open|filtered: one diagram for two ports.
  const m = messagesFor('en');
  const report = renderReport({ ...syntheticInput(), lab: undefined }, { lang: 'en' });
  assert.ok(report.includes(`#### ${m.exchangePorts('`F ×2 → (no answer)`', '22-23')}\n\n${m.diagramOf(22)}\n\n\`\`\`mermaid`));
  assert.ok(report.includes('participant T as Target 198.18.40.2 (port 22)'));
});

test('dates are written in the given zone with its offset, in each language; the latest scan is the date', () => {
  assert.equal(formatReportDate('2026-12-05T09:26:34.845Z', 'en', 'Europe/Paris'), '5 December 2026, 10:26 UTC+01:00');
  assert.equal(formatReportDate('2026-12-05T02:26:34.845Z', 'zh-CN', 'Asia/Shanghai'), '2026年12月5日 10:26（UTC+08:00）');
  assert.equal(formatReportDate('2026-07-01T23:05:00.000Z', 'en', 'UTC'), '1 July 2026, 23:05 UTC+00:00');
  assert.equal(formatReportDate('not a date', 'en', 'UTC'), 'not a date');
  const first = syntheticInput().doc;
  const later: ScanDocument = { ...first, startedAt: '2026-01-02T08:00:00.000Z', results: [] };
  const report = renderReport({ ...syntheticInput(), doc: mergeScanDocuments(first, later) }, { lang: 'en', timeZone: 'UTC' });
  assert.ok(report.includes(`| ${messagesFor('en').scanDate} | 2 January 2026, 08:00 UTC+00:00 |`));
});

test('verdict marks are text symbols every font here has (DejaVu), not emoji', () => {
  // Emoji live above the Basic Multilingual Plane or take the emoji variation selector U+FE0F.
  const emoji = /[\u{1F000}-\u{1FFFF}\uFE0F\u2705\u274C\u2754]/u;
  for (const lang of LANGS) {
    const m = messagesFor(lang);
    for (const kind of VERDICT_KINDS) assert.ok(!emoji.test(m.verdictShort(kind)), `${lang} ${kind}`);
    for (const r of ['correct', 'wrong', 'no-verdict', 'crashed', 'timed-out'] as const) assert.ok(!emoji.test(m.scannerResult(r)), `${lang} ${r}`);
    assert.ok(!emoji.test(renderReport(syntheticInput(), { lang })), `${lang} report`);
  }
  assert.match(messagesFor('en').verdictShort('textbook'), /^✔ /);
  assert.match(messagesFor('zh-CN').verdictShort('unexpected'), /^✘ /);
});

test('a state with more than 25 ports of a target is folded into one "Not shown" line, as nmap -oN does', () => {
  const result = (port: number, state: PortResult['state'], reason: string, target = '198.18.40.2') => synResult(target, port, state, reason);
  const results = [
    ...Array.from({ length: 1024 }, (_, i) => i + 1).map((p) => ([22, 80].includes(p) ? result(p, 'open', 'syn-ack') : result(p, 'closed', 'reset'))),
    ...[22, 23].map((p) => result(p, p === 22 ? 'open' : 'closed', p === 22 ? 'syn-ack' : 'reset', '127.0.0.1')),
  ];
  const input: ReportInput = { doc: { tool: 'portlab 0.1.0', startedAt: '2026-12-05T10:26:34.845Z', results }, captures: {}, nmapXml: {} };
  for (const lang of LANGS) {
    const m = messagesFor(lang);
    const report = renderReport(input, { lang, timeZone: 'UTC' });
    const section = report.slice(report.indexOf(`## ${m.techniqueTitle('syn')}`), report.indexOf(`## ${m.summary}`));
    const rows = section.split('\n').filter((l) => /^\| \d+\/tcp/.test(l));
    assert.deepEqual(
      rows.map((l) => l.split(' | ')[0]),
      ['| 22/tcp', '| 23/tcp', '| 22/tcp', '| 80/tcp'],
      lang,
    );
    assert.ok(section.includes(m.notShown('198.18.40.2', [m.foldedPorts(1022, 'closed', 'reset')])), lang);
    assert.ok(!section.includes(m.notShown('127.0.0.1', [])), `${lang}: 127.0.0.1 has nothing folded`);
  }
  assert.ok(renderReport(input, { lang: 'en' }).includes('198.18.40.2 — Not shown: 1022 closed ports (reset)'));
  assert.ok(renderReport(input, { lang: 'zh-CN' }).includes('198.18.40.2：未列出：1022 个 closed 端口（reset）'));
});
