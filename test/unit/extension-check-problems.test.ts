import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviationsIn } from '../../src/extension/check-deviations';
import { checkProblems, stderrLineOf } from '../../src/extension/check-problems';
import { portKinds } from '../../src/extension/check-lab';
import { labPorts } from '../../src/lab/truth';
import type { CheckCase, CheckDocument } from '../../src/protocol/check';
import { checkCase as sharedCheckCase, type CaseOverrides } from '../support/check-case';

const FILE = '/work/ws/syn_nested_icmp.py';

const checkCase = (over: CaseOverrides): CheckCase => sharedCheckCase({ port: 23, truth: 'closed', state: 'closed', reason: 'reset', durationMs: 400 }, over);

const doc = (cases: CheckCase[]): CheckDocument => ({
  tool: 'portlab 0.1.0',
  startedAt: '',
  program: ['python3', FILE, '{target}', '{port}'],
  timeoutMs: 15000,
  lab: 81,
  cases,
});

test('Python’s traceback names the line of the student’s file, not of Scapy’s', () => {
  const traceback = `Traceback (most recent call last):
  File "${FILE}", line 14, in <module>
    resp = sr1(probe, timeout=2)
  File "/usr/lib/python3/dist-packages/scapy/sendrecv.py", line 640, in sr1
    ans, _ = sndrcv(*args, **kargs)
PermissionError: [Errno 1] Operation not permitted`;
  assert.equal(stderrLineOf(traceback, FILE), 14);
  const syntax = `  File "${FILE}", line 19\n    print "Port %d is filtered" % port\n    ^^^^\nSyntaxError: Missing parentheses in call to 'print'.`;
  assert.equal(stderrLineOf(syntax, FILE), 19);
  // run by a relative path, it names itself relatively
  assert.equal(stderrLineOf('  File "syn_nested_icmp.py", line 7, in <module>\nNameError', FILE), 7);
  assert.equal(stderrLineOf('', FILE), undefined);
  assert.equal(stderrLineOf('  File "/usr/lib/python3/x.py", line 3\n', FILE), undefined);
});

test('each case that is not correct is a problem: on the traceback’s line, else the first, with the answer that came', () => {
  const silent = checkCase({
    port: 110,
    truth: 'filtered-reject',
    expected: { state: 'filtered', reason: 'admin-prohibited', source: 'lab' },
    program: { verdict: null, output: '' },
    result: 'no-verdict',
    exchange: [
      { dir: 'out', t: 0, kind: 'tcp', flags: 'S', src: '198.18.81.1', len: 40, frame: 1 },
      { dir: 'in', t: 0.2, kind: 'icmp', icmpType: 3, icmpCode: 13, src: '198.18.81.2', len: 68, frame: 2 },
    ],
  });
  const crashed = checkCase({
    port: 25,
    program: { verdict: null, output: '', stderr: `  File "${FILE}", line 19\nSyntaxError: invalid syntax\n`, exitCode: 1, crashed: true },
    result: 'crashed',
  });
  const problems = checkProblems(doc([checkCase({}), silent, crashed]), FILE);
  assert.deepEqual(
    problems.map((p) => [p.check.port, p.line, p.answer, p.lastError, p.lastOutput]),
    [
      [110, 0, 'ICMP 3/13', undefined, undefined],
      [25, 18, undefined, 'SyntaxError: invalid syntax', undefined],
    ],
  );
  assert.deepEqual(checkProblems(doc([checkCase({})]), FILE), [], 'a check that passes leaves no problem');
});

test('the lab’s ports by kind, for the technique’s protocol', () => {
  const ports = labPorts('198.18.81.2');
  assert.deepEqual(portKinds(ports, 'tcp'), [
    { truth: 'open', ports: [22, 53, 80] },
    { truth: 'closed', ports: [23, 443] },
    { truth: 'filtered-drop', ports: [25, 8080] },
    { truth: 'filtered-reject', ports: [110, 3306] },
  ]);
  assert.deepEqual(
    portKinds(ports, 'udp').map((k) => k.truth),
    ['open', 'closed', 'filtered-drop', 'filtered-reject'],
  );
});

test('the checker’s English deviation sentences are worded again in the editor’s language from their facts', () => {
  const icmp = checkCase({
    port: 110,
    textbook: {
      technique: 'syn',
      matches: true,
      deviations: [
        {
          kind: 'icmp-answer',
          frames: [2],
          text: 'ICMP answer: ICMP 3/13 (admin-prohibited, frame 2) came back, not a TCP segment: a scanning program must handle it too — it means filtered.',
          facts: { icmpType: 3, icmpCode: 13, state: 'filtered', reason: 'admin-prohibited' },
        },
      ],
    },
  });
  const [zh] = deviationsIn(doc([icmp]), 'zh-CN').cases;
  assert.match(zh!.textbook!.deviations[0]!.text, /^ICMP 应答：应答是 ICMP 3\/13（admin-prohibited，第 2 帧）/);
  const [en] = deviationsIn(doc([icmp]), 'en').cases;
  assert.equal(en!.textbook!.deviations[0]!.text, icmp.textbook!.deviations[0]!.text, 'the same words as the checker’s');
});
