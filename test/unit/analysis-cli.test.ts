// `portlab analyze FILE [--json] [--lang]`: its text and JSON for real captures, in both languages, and bad
// input (damaged, cut, unsupported link type, not a capture) as the command line sees it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeCapture } from '../../src/analysis/analyze-capture';
import { CaptureAnalysisDocument, formatExchange } from '../../src/protocol';
import { captureAnalysisDocument, renderCaptureAnalysis } from '../../src/report/analysis-text';
import { messagesFor } from '../../src/report/i18n';

const ROOT = join(import.meta.dirname, '../..');
const DIR = join(ROOT, 'test/fixtures/captures/analysis');
const FORMATS = join(ROOT, 'test/fixtures/captures/formats');

function portlab(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A scratch directory for the test's files, removed when the test ends. */
function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-analyze-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('text: a correct SYN scan, exchange by exchange, then the packets of no scan', () => {
  const { code, stdout, stderr } = portlab('analyze', join(DIR, 'student-syn_ok.pcapng'));
  assert.equal(code, 0, stderr);
  const lines = stdout.split('\n');
  assert.match(lines[0]!, /student-syn_ok\.pcapng: pcapng, 18 packets, 4 scan exchanges$/);
  assert.ok(lines.includes('#1  frames 3–6  198.18.78.1 → 198.18.78.2:80/tcp'));
  assert.ok(lines.includes('    observed   S → SA → R(kernel) → R'));
  assert.ok(lines.includes('    textbook   S → SA → R   ✔ matches the textbook'));
  assert.ok(stdout.includes("Kernel RST: frame 5 comes from the scanner's kernel"));
  assert.ok(!stdout.includes('✘'));
  assert.equal(lines.at(-2), '8 packets not attributed to any scan');
});

test('text: the buggy connect_ra.py is a connect attempt that differs from the textbook, and says why', () => {
  const { code, stdout } = portlab('analyze', join(DIR, 'student-connect_ra.pcap'));
  assert.equal(code, 0);
  assert.ok(stdout.includes('    technique  Connect (-sT)'));
  assert.ok(stdout.includes('    textbook   S → SA → A, then teardown (R or F)   ✘ differs from the textbook'));
  assert.ok(stdout.includes('Handshake never completed: the scanner answered the SYN/ACK (frame 4) with RA (frame 6)'));
});

test('text: the cross-technique findings come after the exchanges', () => {
  const { stdout } = portlab('analyze', join(DIR, 'stateful-syn-fin.pcapng'));
  const words = messagesFor('en').captureAnalysis;
  const heading = stdout.indexOf(`\n${words.crossHeading}\n`);
  assert.ok(heading > stdout.lastIndexOf('#8 '));
  assert.ok(
    stdout.includes(
      '- 198.18.210.2:23/tcp: SYN says closed (reset, frames 7, 8), FIN says open|filtered (no-response, frames 18, 21). A stateful firewall explains it',
    ),
  );
});

test('--json: the documented shape, valid by its schema, frames as Wireshark numbers them', () => {
  const { code, stdout } = portlab('analyze', join(DIR, 'student-connect_ra.pcap'), '--json');
  assert.equal(code, 0);
  const doc = CaptureAnalysisDocument.parse(JSON.parse(stdout));
  assert.deepEqual([doc.format, doc.packets, doc.unattributed, doc.crossTechnique], ['pcap', 10, 4, []]);
  const [ra, closed] = doc.exchanges;
  assert.deepEqual(
    { ...ra, textbook: { ...ra!.textbook, deviations: ra!.textbook.deviations.map((d) => [d.kind, d.frames]) } },
    {
      technique: 'connect',
      scanner: '198.18.78.1',
      target: '198.18.78.2',
      port: 80,
      protocol: 'tcp',
      state: 'open',
      reason: 'syn-ack',
      packets: [3, 4, 5, 6],
      fromKernel: [5],
      observed: 'S → SA → R(kernel) → RA',
      textbook: {
        matches: false,
        expected: 'S → SA → A, then teardown (R or F)',
        deviations: [
          ['handshake-not-completed', [4, 6]],
          ['kernel-reset', [5]],
        ],
      },
    },
  );
  assert.deepEqual([closed?.technique, closed?.state, closed?.textbook.matches], ['syn', 'closed', true]);
  assert.ok(ra!.textbook.deviations[0]!.text.startsWith('Handshake never completed'));
});

test('--json: cross-technique findings with their techniques, frames and facts', () => {
  const doc = captureAnalysisDocument('ratelimit-syn-fin.pcap', analyzeCapture(readFileSync(join(DIR, 'ratelimit-syn-fin.pcap'))), 'en');
  const first = doc.crossTechnique[0]!;
  assert.deepEqual(
    { ...first, text: undefined },
    {
      target: '198.18.210.2',
      port: 9004,
      techniques: ['syn', 'fin'],
      kind: 'rate-limit',
      frames: [4, 6, 8, 10, 11, 12, 14, 26],
      text: undefined,
      facts: { firstState: 'filtered', firstReason: 'admin-prohibited', secondState: 'open|filtered', secondReason: 'no-response', recentIcmpErrors: 6 },
    },
  );
  assert.match(first.text, /the target had sent 6 ICMP errors to the scanner in the second before \(frames 4, 6, 8, 10, 12, 14\)/);
});

test('--lang zh-CN: every sentence in Simplified Chinese, with the report’s words for states and terms', () => {
  for (const file of ['student-connect_ra.pcap', 'late-udp.pcap', 'stateful-syn-fin.pcapng', 'odd-flags.pcap', 'student-udp_empty_dns.pcap']) {
    const analysis = analyzeCapture(readFileSync(join(DIR, file)));
    const zh = captureAnalysisDocument(file, analysis, 'zh-CN');
    const en = captureAnalysisDocument(file, analysis, 'en');
    const texts = [...zh.exchanges.flatMap((e) => e.textbook.deviations.map((d) => d.text)), ...zh.crossTechnique.map((f) => f.text)];
    assert.ok(texts.length > 0, file);
    for (const text of texts) {
      assert.match(text, /[\u4e00-\u9fff]/, text);
      assert.doesNotMatch(text, /\b(the|scanner|answer|probe|packet)\b/, text);
    }
    // Everything but the words is the same in both languages.
    const strip = (doc: CaptureAnalysisDocument) =>
      JSON.stringify({
        ...doc,
        exchanges: doc.exchanges.map((e) => ({
          ...e,
          textbook: { ...e.textbook, expected: '', deviations: e.textbook.deviations.map((d) => ({ ...d, text: '' })) },
        })),
        crossTechnique: doc.crossTechnique.map((f) => ({ ...f, text: '' })),
      });
    assert.equal(strip(zh), strip(en), file);
    const text = renderCaptureAnalysis(zh, 'zh-CN');
    assert.ok(text.includes('不属于任何扫描'), file);
    assert.ok(!text.includes('not attributed'), file);
  }
  const { stdout } = portlab('analyze', join(DIR, 'student-syn_nested_icmp.pcap'), '--lang', 'zh-CN');
  assert.ok(stdout.includes('    教材预期          S, S (重传), 无应答 / ICMP 3   ✔ 与教材一致'), stdout);
  assert.ok(stdout.includes('ICMP 应答：应答是 ICMP 3/13（admin-prohibited，第 4 帧）'), stdout);
});

test('pcap or pcapng, Ethernet, Linux cooked v1 and v2, raw IP, loopback: the same exchanges', () => {
  const shape = (file: string) =>
    analyzeCapture(readFileSync(join(FORMATS, file))).exchanges.map((e) => [e.port, e.technique, e.wire?.state, formatExchange(e.packets)]);
  const veth = shape('veth.pcapng');
  assert.deepEqual(veth, [
    [80, 'syn', 'open', 'S → SA → R(kernel)'],
    [22, 'syn', 'closed', 'S → RA'],
    [81, 'syn', 'closed', 'S → RA'],
  ]);
  for (const file of ['any.pcap', 'any-sll1.pcap', 'veth-nanos.pcap', 'big-endian.pcapng', 'lo.pcap', 'lo.pcapng', 'raw.pcap'])
    assert.deepEqual(shape(file), veth, file);
});

test('one scan captured on two interfaces (mergecap): each packet counted once, the copies said', () => {
  const analysis = analyzeCapture(readFileSync(join(FORMATS, 'merged.pcapng')));
  assert.deepEqual(
    analysis.exchanges.map((e) => formatExchange(e.packets)),
    ['S → SA → R(kernel)', 'S → RA', 'S → RA'],
  );
  assert.deepEqual([analysis.packets, analysis.duplicates, analysis.unattributed], [22, 7, 8]);
  assert.ok(renderCaptureAnalysis(captureAnalysisDocument('merged.pcapng', analysis, 'en'), 'en').includes('7 packets were captured twice'));
});

test('a capture cut short: every whole packet analysed, and where it stopped, in text and JSON', (t) => {
  const tmp = scratch(t);
  for (const file of ['student-syn_ok.pcapng', 'student-connect_ok.pcap']) {
    const bytes = readFileSync(join(DIR, file));
    const cut = join(tmp, file);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 30));
    const json = portlab('analyze', cut, '--json');
    assert.equal(json.code, 0, json.stderr);
    const doc = CaptureAnalysisDocument.parse(JSON.parse(json.stdout));
    assert.ok(doc.stoppedAt, file);
    assert.equal(doc.packets, doc.stoppedAt.packet - 1);
    assert.ok(doc.exchanges.length >= 3, file);
    const text = portlab('analyze', cut);
    assert.ok(text.stdout.includes(`The capture stops at byte ${doc.stoppedAt.offset} (packet ${doc.stoppedAt.packet} would be next)`), text.stdout);
  }
});

test('bad input: one line on stderr, exit code 2, nothing on stdout', (t) => {
  const tmp = scratch(t);
  const notCapture = join(tmp, 'notes.txt');
  writeFileSync(notCapture, 'Port 80 is open\n');
  // A classic pcap of IEEE 802.11 frames (link type 105) with one record.
  const wifi = new Uint8Array(24 + 16 + 4);
  const view = new DataView(wifi.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true);
  view.setUint32(20, 105, true);
  view.setUint32(32, 4, true);
  view.setUint32(36, 4, true);
  const wifiFile = join(tmp, 'wifi.pcap');
  writeFileSync(wifiFile, wifi);
  for (const [args, message] of [
    [[notCapture], /not a pcap or pcapng file/],
    [[wifiFile], /link type .* is not supported/],
    [[join(tmp, 'missing.pcap')], /cannot read/],
    [[join(DIR, 'nmap-sS.pcapng'), '--lang', 'fr'], /unknown language 'fr'/],
  ] as const) {
    const { code, stdout, stderr } = portlab('analyze', ...args);
    assert.equal(code, 2, stderr);
    assert.equal(stdout, '');
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, message);
  }
});
