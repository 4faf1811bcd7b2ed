import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeCheckDocuments } from '../../src/check/check-merge';
import { formatCheckTable } from '../../src/check/check-table';
import { CheckCase, CheckDocument, type CaptureDeviation, type ExchangePacket } from '../../src/protocol';
import { messagesFor } from '../../src/report/i18n';
import { scannerSection } from '../../src/report/scanner-section';

const TARGET = '198.18.80.2';
const US = '198.18.80.1';
const COMMAND = ['/usr/bin/python3', 'syn_scan.py', '{target}', '{port}'];

const out = (flags: string, frame: number, extra: Partial<ExchangePacket> = {}): ExchangePacket => ({
  dir: 'out',
  t: 0,
  kind: 'tcp',
  flags,
  src: US,
  len: 40,
  frame,
  ...extra,
});
const inn = (flags: string, frame: number): ExchangePacket => ({ dir: 'in', t: 0.1, kind: 'tcp', flags, src: TARGET, len: 40, frame });

function syn(port: number, over: Partial<CheckCase>): CheckCase {
  return CheckCase.parse({
    technique: 'syn',
    target: TARGET,
    port,
    protocol: 'tcp',
    command: COMMAND,
    truth: 'open',
    expected: { state: 'open', reason: 'syn-ack', source: 'lab' },
    program: { verdict: 'open', output: `Port ${port} is open\n`, stderr: '', exitCode: 0, signal: null, timedOut: false, crashed: false, durationMs: 900 },
    result: 'correct',
    exchange: [],
    ...over,
  });
}

const kernelReset: CaptureDeviation = {
  kind: 'kernel-reset',
  frames: [3],
  text: "Kernel RST: frame 3 comes from the scanner's kernel",
  facts: { synAckFrame: 2, delayMicros: 9 },
};

const DOC = CheckDocument.parse({
  tool: 'portlab 0.1.0',
  startedAt: '2026-12-05T11:00:00.000Z',
  program: COMMAND,
  timeoutMs: 8000,
  lab: 80,
  cases: [
    syn(22, {
      exchange: [out('S', 1, { retry: 0 }), inn('SA', 2), out('R', 3, { kernel: true }), out('R', 4)],
      textbook: { technique: 'syn', matches: true, deviations: [kernelReset] },
      capture: 'check/syn-22.pcap',
      outputFile: 'check/syn-22.out.txt',
    }),
    syn(110, {
      truth: 'filtered-reject',
      expected: { state: 'filtered', reason: 'admin-prohibited', source: 'lab' },
      program: { verdict: null, output: '', stderr: '', exitCode: 0, signal: null, timedOut: false, crashed: false, durationMs: 700 },
      result: 'no-verdict',
      exchange: [out('S', 1, { retry: 0 }), { dir: 'in', t: 0.1, kind: 'icmp', icmpType: 3, icmpCode: 13, src: TARGET, len: 68, frame: 2 }],
      textbook: { technique: 'syn', matches: true, deviations: [] },
    }),
    syn(23, {
      truth: 'closed',
      expected: { state: 'closed', reason: 'reset', source: 'lab' },
      program: {
        verdict: null,
        output: '',
        stderr: '  File "x.py", line 19\nSyntaxError: Missing parentheses\n',
        exitCode: 1,
        signal: null,
        timedOut: false,
        crashed: true,
        durationMs: 80,
      },
      result: 'crashed',
    }),
    syn(25, {
      truth: 'filtered-drop',
      expected: { state: 'filtered', reason: 'no-response', source: 'lab' },
      program: { verdict: null, output: '', stderr: '', exitCode: null, signal: 'SIGTERM', timedOut: true, crashed: false, durationMs: 8003 },
      result: 'timed-out',
      exchange: [out('S', 1, { retry: 0 })],
      textbook: { technique: 'syn', matches: true, deviations: [] },
    }),
    syn(80, {
      truth: 'closed',
      expected: { state: 'closed', reason: 'reset', source: 'lab' },
      program: {
        verdict: 'open',
        verdictLine: 'Port 80 is open',
        output: 'Port 80 is open\n',
        stderr: '',
        exitCode: 0,
        signal: null,
        timedOut: false,
        crashed: false,
        durationMs: 500,
      },
      result: 'wrong',
      exchange: [out('S', 1, { retry: 0 }), inn('RA', 2)],
      textbook: { technique: 'syn', matches: true, deviations: [] },
    }),
  ],
});

test('the text table: a row per port with truth, expectation, what the program said, the verdict and its packets', () => {
  const text = formatCheckTable(DOC);
  const lines = text.split('\n');
  assert.equal(lines[0], `SYN scan (-sS) of ${TARGET} (lab 80): ${COMMAND.join(' ')}`);
  assert.match(lines[1]!, /^PORT +TRUTH +EXPECTED +PROGRAM SAID +VERDICT +PACKETS$/);
  assert.match(text, /^22\/tcp +open +open \(syn-ack\) +open +correct +S → SA → R\(kernel\) → R {2}\[kernel-reset\]$/m);
  assert.match(text, /^110\/tcp +filtered \(reject\) +filtered \(admin-prohibited\) +- +no verdict +S → ICMP 3\/13$/m);
  assert.match(text, /^23\/tcp +closed +closed \(reset\) +- +crashed +no packets$/m);
  assert.match(text, /^5 cases: 1 correct, 1 no verdict, 1 crashed, 1 timed out, 1 wrong$/m);
  assert.match(text, /^syn 23\/tcp: crashed \(exit code 1\) without a verdict\n {4}  File "x.py", line 19\n {4}SyntaxError: Missing parentheses$/m);
  assert.match(text, /^syn 25\/tcp: still running after 8\.0 s: killed with its children$/m);
  assert.match(text, /^syn 80\/tcp: said open \("Port 80 is open"\), expected closed \(reset\)$/m);
  assert.match(text, /^syn 110\/tcp: no line of its output names a state .*\n {4}\(stdout empty\)$/m);
});

test('"Your scanner" in the report: the table, a ladder per port, the deviations in the report language', () => {
  const en = scannerSection({ doc: DOC, folderHref: '.' }, messagesFor('en'));
  assert.match(en, /^## Your scanner$/m);
  assert.match(en, /^Program: `\/usr\/bin\/python3 syn_scan\.py \{target\} \{port\}`$/m);
  assert.match(
    en,
    /^\| 22\/tcp \| open → open \(syn-ack\) \| open \| ✔ correct \| `S → SA → R\(kernel\) → R` \| kernel-reset \| \[capture\]\(check\/syn-22\.pcap\) · \[output\]\(check\/syn-22\.out\.txt\) \|$/m,
  );
  assert.match(en, /^\| 110\/tcp \| filtered \(reject\) → filtered \(admin-prohibited\) \| nothing \| \? no verdict \|/m);
  assert.match(
    en,
    /sequenceDiagram\n {2}participant S as Your scanner 198\.18\.80\.1\n {2}participant T as Target 198\.18\.80\.2 \(port 22\)\n {2}S->>T: S\n {2}T-->>S: SA\n {2}S->>T: R\n {2}Note left of S: sent by the scanner's kernel\n {2}S->>T: R/,
  );
  assert.match(en, /^- Kernel RST: frame 3 comes from the scanner's kernel/m);
  assert.match(
    en,
    /^The program ended \(exit code 1\) without a verdict; the end of what it wrote:\n\n```text\n {2}File "x\.py", line 19\nSyntaxError: Missing parentheses\n```$/m,
  );
  assert.match(en, /^The program sent no packet to this port\.$/m);
  assert.match(en, /^It printed nothing, so it named no state/m);
  assert.match(en, /^The program was still running after 8\.0 s and was killed/m);

  const zh = scannerSection({ doc: DOC, folderHref: '../out' }, messagesFor('zh-CN'));
  assert.match(zh, /^## 你的扫描程序$/m);
  assert.match(zh, /\[抓包\]\(\.\.\/out\/check\/syn-22\.pcap\)/);
  assert.match(zh, /^- 内核 RST：第 3 帧由扫描机内核发出/m, 'the deviation is worded again from its facts, in Chinese');
  assert.match(zh, /^程序异常结束（退出码 1），没有给出结论；它最后输出的内容：$/m);
});

test('a check added to a folder replaces the cases of its techniques and keeps the others', () => {
  const fin = CheckDocument.parse({ ...DOC, program: ['fin.py'], cases: [{ ...DOC.cases[0]!, technique: 'fin', command: ['fin.py'] }] });
  const merged = mergeCheckDocuments(DOC, fin);
  assert.deepEqual(
    merged.cases.map((c) => [c.technique, c.port]),
    [...DOC.cases.map((c) => ['syn', c.port]), ['fin', 22]],
  );
  assert.deepEqual(merged.program, ['fin.py']);
  const again = mergeCheckDocuments(merged, { ...DOC, cases: [DOC.cases[1]!] });
  assert.deepEqual(
    again.cases.map((c) => [c.technique, c.port]),
    [
      ['fin', 22],
      ['syn', 110],
    ],
  );
  assert.equal(mergeCheckDocuments(undefined, fin), fin);
});
