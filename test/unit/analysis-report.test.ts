// The lab report's "why it differs" part gets the cross-technique findings of the folder's captures, in both
// languages, each side citing the frames of its own technique's pcap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport, type ReportLang } from '../../src/report';
import { messagesFor } from '../../src/report/i18n';
import { syntheticInput } from '../fixtures/report/synthetic';

const LANGS: ReportLang[] = ['en', 'zh-CN'];

function analysisSection(report: string, lang: ReportLang): string {
  const start = report.indexOf(`## ${messagesFor(lang).analysis}\n`);
  assert.notEqual(start, -1);
  const end = report.indexOf('\n## ', start + 1);
  return report.slice(start, end === -1 ? undefined : end);
}

for (const lang of LANGS) {
  test(`the report explains where techniques disagree, after what differs from the textbook (${lang})`, () => {
    const m = messagesFor(lang);
    const analysis = analysisSection(renderReport(syntheticInput(), { lang }), lang);
    const cross = analysis.indexOf(`### ${m.analysisCrossTechnique}`);
    assert.ok(cross > analysis.indexOf(`### ${m.analysisDiffers}`));
    assert.ok(cross < analysis.indexOf(`### ${m.analysisQualified}`));
    const items = analysis
      .slice(cross)
      .split('\n')
      .filter((l) => l.startsWith('- **198.18.40.2:'));
    // The synthetic FIN scan got no RST from the closed port 23 that answered SYN and NULL.
    const stateful = items.find((l) => l.startsWith('- **198.18.40.2:23/tcp** — ') && l.includes('syn.pcap') && l.includes('fin.pcap'));
    assert.ok(stateful, items.join('\n'));
    assert.ok(stateful.includes('nftables `ct state invalid drop`'));
    assert.ok(stateful.includes(lang === 'en' ? 'syn.pcap frames 4, 5' : 'syn.pcap 第 4、5 帧'), stateful);
    assert.ok(items.some((l) => l.startsWith('- **198.18.40.2:110/tcp** — ') && l.includes('null.pcap')));
  });

  test(`captures that agree add nothing to the analysis (${lang})`, () => {
    const input = syntheticInput();
    const onlySyn = { ...input, captures: { syn: input.captures.syn } };
    assert.ok(!renderReport(onlySyn, { lang }).includes(messagesFor(lang).analysisCrossTechnique));
  });
}
