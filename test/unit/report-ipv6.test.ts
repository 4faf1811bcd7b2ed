// The lab report of a real IPv6 scan of the lab (test/fixtures/captures/ipv6/README.md, report-out/: `portlab scan
// 2001:2:0:240::2 -sS -sT -sU --out` in lab 240's scanner namespace, then `portlab report --with-nmap`): the IPv6
// hosts found in the lab's description, ICMPv6 in the exchanges, textbook and explanations, in both languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { JSDOM } from 'jsdom';
import { loadReportInput, renderReport, type ReportLang } from '../../src/report';
import { messagesFor } from '../../src/report/i18n';

const DIR = join(import.meta.dirname, '../fixtures/captures/ipv6/report-out');
const LANGS: ReportLang[] = ['en', 'zh-CN'];
const render = (lang: ReportLang) => renderReport(loadReportInput(DIR, join(DIR, 'report.md')), { lang });

/** The cells of `port`'s row in the section of `technique`. */
function row(report: string, lang: ReportLang, technique: 'connect' | 'syn' | 'udp', port: string): string[] {
  const title = `## ${messagesFor(lang).techniqueTitle(technique)}`;
  const start = report.indexOf(title);
  assert.notEqual(start, -1, title);
  const section = report.slice(start, report.indexOf('\n## ', start + title.length));
  const line = section.split('\n').find((l) => l.startsWith(`| ${port} |`));
  assert.ok(line, `${technique} ${port}`);
  return line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** The report from the first technique section on: what the scan saw, not how the lab was built (that names both families). */
function scanSections(report: string, lang: ReportLang): string {
  return report.slice(report.indexOf(`## ${messagesFor(lang).techniqueTitle('connect')}`));
}

for (const lang of LANGS) {
  const m = messagesFor(lang);

  test(`the environment names the IPv6 scanner and the lab's target by its IPv6 address (${lang})`, () => {
    const report = render(lang);
    const env = report.slice(report.indexOf(`## ${m.environment}`), report.indexOf(`## ${m.topology}`));
    assert.ok(env.includes(`| ${m.scannerRole} | vm | 6.18.44-fc-v1252 | pl240s | 2001:2:0:240::1 | 02:70:6c:f0:00:01 | portlab240-scanner |`), env);
    // the lab's description knows the target by its IPv4 address and its address6: its interface, MAC and namespace
    assert.ok(env.includes(`| ${m.targetRole} | — | — | pl240t | 2001:2:0:240::2 | 02:70:6c:f0:00:02 | portlab240-target |`), env);
  });

  test(`each port row has the lab's truth, the ICMPv6 exchange and the textbook in ICMPv6 (${lang})`, () => {
    const report = render(lang);
    const truth = (t: 'open' | 'closed' | 'filtered-drop' | 'filtered-reject') => m.truth(t);
    assert.deepEqual(row(report, lang, 'syn', '110/tcp').slice(1, 6), [
      truth('filtered-reject'),
      'filtered',
      'admin-prohibited',
      '`S → ICMPv6 1/1`',
      `\`${m.textbook('syn', 'filtered', 6)}\``,
    ]);
    assert.match(m.textbook('syn', 'filtered', 6), /ICMPv6 1$/);
    assert.deepEqual(row(report, lang, 'udp', '69/udp').slice(1, 6), [
      truth('closed'),
      'closed',
      'port-unreach',
      '`UDP → ICMPv6 1/4`',
      `\`${m.textbook('udp', 'closed', 6)}\``,
    ]);
    assert.match(m.textbook('udp', 'closed', 6), /→ ICMPv6 1\/4$/);
    assert.equal(row(report, lang, 'udp', '7/udp')[6], m.verdictShort('kernel-port-unreachable', 6));
    assert.ok(m.verdictShort('kernel-port-unreachable', 6).includes('ICMPv6 1/4'));
    assert.deepEqual(row(report, lang, 'connect', '110/tcp').slice(2, 5), ['filtered', 'admin-prohibited', '`S → ICMPv6 1/1`']);
    // nmap's connect() timed out before Linux failed the socket with EACCES (README): the table shows it differs
    assert.equal(row(report, lang, 'connect', '110/tcp').at(-1), '≠ filtered (no-response)');
    for (const technique of ['syn', 'udp'] as const)
      for (const port of technique === 'syn' ? ['22/tcp', '23/tcp', '25/tcp', '80/tcp', '110/tcp'] : ['7/udp', '53/udp', '69/udp', '123/udp', '514/udp'])
        assert.ok(!row(report, lang, technique, port).at(-1)!.startsWith('≠'), `nmap -6 agrees on ${technique} ${port}`);
  });

  test(`no IPv4 ICMP notation is left where the scan was over IPv6 (${lang})`, () => {
    const scans = scanSections(render(lang), lang);
    assert.ok(!/ICMP 3\/|ICMP 3\b|net\.ipv4\.icmp_ratelimit/.test(scans.replace(m.principle('udp'), '')), 'an IPv4 notation in the scan sections');
    // the connect scan's explanation lists ICMPv6's unreachable codes with the errors Linux gives connect()
    assert.ok(scans.includes('EACCES'));
    assert.ok(scans.includes(lang === 'en' ? 'EACCES for codes 1, 5 and 6 gives admin-prohibited' : '代码 1、5、6 对应 EACCES'), scans);
  });
}

test('every Mermaid block of the IPv6 report parses, IPv6 addresses in the lifelines included', async () => {
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window;
  g.document = dom.window.document;
  const mermaid = (await import('mermaid')).default;
  mermaid.initialize({ startOnLoad: false });
  let lifelines = 0;
  for (const lang of LANGS)
    for (const t of new MarkdownIt().parse(render(lang), {}).filter((t) => t.type === 'fence' && t.info === 'mermaid')) {
      if (t.content.includes('participant S as') && t.content.includes('2001:2:0:240::1')) lifelines++;
      const parsed = await mermaid.parse(t.content);
      assert.ok(parsed && ['sequence', 'flowchart-v2'].includes(parsed.diagramType), t.content);
    }
  assert.ok(lifelines > 10, `${lifelines} sequence diagrams with the IPv6 scanner`);
});
