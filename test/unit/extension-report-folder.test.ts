import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import MarkdownIt from 'markdown-it';
import { writeReportFolder, type ReportFolderInput } from '../../src/extension/report-folder';
import { reportLangFor } from '../../src/extension/report-lang';
import { LabDescription, ScanDocument, TECHNIQUES, type Technique } from '../../src/protocol';
import { loadReportInput, renderReport } from '../../src/report';
import { formatReportDate, localTimeZone } from '../../src/report/report-date';

const EXAMPLE = join(import.meta.dirname, '../../docs/example-report');
/** The techniques of the example run, each with its pcap. */
const EXAMPLE_TECHNIQUES = TECHNIQUES.filter((t) => existsSync(join(EXAMPLE, `${t}.pcap`)));

/** The example lab run as the editor's store holds it: results, scanner, lab, and each pcap where the scan wrote it. */
function storedScans(): ReportFolderInput {
  const { tool, startedAt, scanner, results } = ScanDocument.parse(JSON.parse(readFileSync(join(EXAMPLE, 'results.json'), 'utf8')));
  const lab = LabDescription.parse(JSON.parse(readFileSync(join(EXAMPLE, 'lab.json'), 'utf8')));
  const captures = Object.fromEntries(EXAMPLE_TECHNIQUES.map((t) => [t, join(EXAMPLE, `${t}.pcap`)])) as Record<Technique, string>;
  return { doc: { tool, startedAt, ...(scanner ? { scanner } : {}), results }, lab, captures };
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-report-folder-'));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The targets of the report's Markdown links. */
function links(markdown: string): string[] {
  const found: string[] = [];
  const walk = (tokens: ReturnType<InstanceType<typeof MarkdownIt>['parse']>) => {
    for (const t of tokens) {
      if (t.type === 'link_open') found.push(String(t.attrGet('href') ?? ''));
      if (t.children) walk(t.children);
    }
  };
  walk(new MarkdownIt().parse(markdown, {}));
  return found;
}

test('the report folder holds the report, results.json, lab.json and every pcap it links to, linked relatively', () =>
  withDir(async (dir) => {
    const input = storedScans();
    const { path, unreadable } = await writeReportFolder(join(dir, 'portlab-report', '198.18.0.2'), 'report-198.18.0.2.md', input, 'en');
    assert.deepEqual(unreadable, []);
    const folder = join(dir, 'portlab-report', '198.18.0.2');
    assert.deepEqual(readdirSync(folder).sort(), [
      'ack.pcap',
      'connect.pcap',
      'fin.pcap',
      'idle.pcap',
      'lab.json',
      'maimon.pcap',
      'null.pcap',
      'report-198.18.0.2.md',
      'results.json',
      'syn.pcap',
      'udp.pcap',
      'window.pcap',
      'xmas.pcap',
    ]);
    for (const t of EXAMPLE_TECHNIQUES) assert.ok(readFileSync(join(folder, `${t}.pcap`)).equals(readFileSync(input.captures[t]!)), `${t}.pcap is a copy`);
    // It names the lab's hosts and ports: the student's alone, whatever the originals' modes.
    for (const file of ['results.json', 'lab.json', ...EXAMPLE_TECHNIQUES.map((t) => `${t}.pcap`)])
      assert.equal(statSync(join(folder, file)).mode & 0o777, 0o600, file);
    const report = readFileSync(path, 'utf8');
    const pcapLinks = links(report).filter((l) => l.endsWith('.pcap'));
    assert.deepEqual(pcapLinks.sort(), EXAMPLE_TECHNIQUES.map((t) => `${t}.pcap`).sort());
    // Moved elsewhere (handed in), the folder's links still resolve: none leaves it.
    for (const l of pcapLinks) assert.ok(existsSync(resolve(folder, l)) && !l.includes('/'), l);
    assert.match(report, /portlab 0\.1\.0/);
    assert.ok(report.includes(formatReportDate(input.doc.startedAt, 'en', localTimeZone())), 'dated by the scan, not by the writing');
    // The lab's truth and firewall rules come from the stored description.
    assert.ok(
      report.includes(
        input
          .lab!.ruleset.split('\n')
          .find((l) => l.includes('drop'))!
          .trim(),
      ),
      'quotes the lab ruleset',
    );
    // `portlab report DIR` renders the same report from the folder, and writing it again changes nothing.
    assert.equal(renderReport(loadReportInput(folder, path), { lang: 'en' }), report);
    await writeReportFolder(folder, 'report-198.18.0.2.md', storedScans(), 'en');
    assert.equal(readFileSync(path, 'utf8'), report);
  }));

test('a capture that cannot be read is named in the report and left out of the folder, without failing', () =>
  withDir(async (dir) => {
    const folder = join(dir, 'report');
    await writeReportFolder(folder, 'report.md', storedScans(), 'en');
    assert.ok(existsSync(join(folder, 'syn.pcap')));
    const input = storedScans();
    // A directory where the pcap should be: reading it fails as a root-owned 0600 file does for a student.
    const unreadablePath = mkdtempSync(join(dir, 'not-a-pcap-'));
    const missingPath = join(dir, 'gone', 'udp.pcap');
    input.captures.syn = unreadablePath;
    input.captures.udp = missingPath;
    const { path, unreadable } = await writeReportFolder(folder, 'report.md', input, 'en');
    assert.deepEqual(
      unreadable.map((u) => [u.technique, u.path]),
      [
        ['syn', unreadablePath],
        ['udp', missingPath],
      ],
    );
    assert.ok(
      unreadable.every((u) => /EISDIR|ENOENT/.test(u.problem)),
      unreadable.map((u) => u.problem).join(),
    );
    // The copies an earlier report left do not stand in for the captures that are missing now.
    assert.ok(!existsSync(join(folder, 'syn.pcap')) && !existsSync(join(folder, 'udp.pcap')));
    const report = readFileSync(path, 'utf8');
    assert.ok(report.includes(`\`${unreadablePath}\``) && report.includes(`\`${missingPath}\``), 'the report names both paths');
    assert.ok(!links(report).some((l) => l === 'syn.pcap' || l === 'udp.pcap'));
    assert.ok(links(report).includes('connect.pcap'));
  }));

test('a report without a lab leaves no lab.json of an earlier one behind', () =>
  withDir(async (dir) => {
    await writeReportFolder(dir, 'report.md', storedScans(), 'en');
    const { lab: _, ...withoutLab } = storedScans();
    await writeReportFolder(dir, 'report.md', withoutLab, 'en');
    assert.ok(!existsSync(join(dir, 'lab.json')));
  }));

test('the report is in Simplified Chinese only for a Simplified Chinese display language', () => {
  const cases: [string, string][] = [
    ['en', 'en'],
    ['en-us', 'en'],
    ['fr', 'en'],
    ['zh', 'zh-CN'],
    ['zh-cn', 'zh-CN'],
    ['zh-CN', 'zh-CN'],
    ['zh-sg', 'zh-CN'],
    ['zh-hans', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['zh-tw', 'en'],
    ['zh-hk', 'en'],
    ['zh-mo', 'en'],
    ['zh-hant', 'en'],
    ['zh-Hant-TW', 'en'],
  ];
  assert.deepEqual(
    cases.map(([language]) => [language, reportLangFor(language)]),
    cases,
  );
});
