import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckCase } from '../../src/protocol/check';
import { checkKeyString, checkRow } from '../../webview/check-table';
import { deviatingFrames } from '../../webview/exchange-view';
import { deviationTitle } from '../../webview/deviation-text';
import type { Translate } from '../../webview/dom';
import { checkCase as sharedCheckCase, type CaseOverrides } from '../support/check-case';

/** The keys and their arguments, so that the rows are checked without a language. */
const t: Translate = (key, ...args) => (args.length ? `${key}(${args.join(',')})` : key);

const checkCase = (over: CaseOverrides): CheckCase => sharedCheckCase({ port: 80, truth: 'open', state: 'open', reason: 'syn-ack', durationMs: 500 }, over);

test('a correct run: port · truth · expected · what the program said · verdict', () => {
  const row = checkRow(checkCase({}), t, 15);
  assert.deepEqual(row, {
    key: { technique: 'syn', port: 80 },
    result: 'correct',
    port: '80/tcp',
    truth: 'truthOpen',
    expected: 'open (syn-ack)',
    said: 'open',
    verdict: 'resultCorrect',
    deviations: '',
  });
  assert.equal(checkKeyString(row.key), 'syn/80');
});

test('what the program said when it named no state: nothing, its other output, its exit code, the time limit', () => {
  const said = (program: Partial<CheckCase['program']>) => checkRow(checkCase({ program }), t, 15).said;
  assert.equal(said({ verdict: null, output: '' }), 'saidNothing');
  assert.equal(said({ verdict: null, output: 'sending…\nPort 80: unexpected TCP flags FA\n' }), '“Port 80: unexpected TCP flags FA”');
  assert.equal(said({ verdict: null, output: '', crashed: true, exitCode: 1 }), 'saidExitCode(1)');
  assert.equal(said({ verdict: null, output: '', crashed: true, exitCode: null, signal: 'SIGSEGV' }), 'saidSignal(SIGSEGV)');
  assert.equal(said({ verdict: null, output: '', timedOut: true }), 'saidTimedOut(15)');
  assert.equal(said({ verdict: 'filtered', timedOut: true }), 'filtered saidTimedOut(15)');
});

test('the lab truths and results in the table’s words', () => {
  const truths = (['closed', 'filtered-drop', 'filtered-reject'] as const).map((truth) => checkRow(checkCase({ truth }), t, 15).truth);
  assert.deepEqual(truths, ['truthClosed', 'truthDrop', 'truthReject']);
  const results = (['wrong', 'no-verdict', 'crashed', 'timed-out'] as const).map((result) => checkRow(checkCase({ result }), t, 15).verdict);
  assert.deepEqual(results, ['resultWrong', 'resultNoVerdict', 'resultCrashed', 'resultTimedOut']);
  assert.equal(checkRow(checkCase({ truth: undefined }), t, 15).truth, '', 'a target that is not a lab’s has no truth');
});

test('deviations: their titles and frames in the cell, their frames marked in the ladder', () => {
  const c = checkCase({
    textbook: {
      technique: 'syn',
      matches: false,
      deviations: [
        {
          kind: 'handshake-not-completed',
          frames: [3, 4],
          text: 'Handshake not completed: the program answered the SYN/ACK with RA, never an ACK.',
          facts: {},
        },
        { kind: 'kernel-reset', frames: [3], text: 'Kernel RST: frame 3 comes from the scanner’s kernel.', facts: { synAckFrame: 2 } },
      ],
    },
  });
  assert.equal(checkRow(c, t, 15).deviations, 'withFrames(Handshake not completed,3, 4); withFrame(Kernel RST,3)');
  assert.deepEqual([...deviatingFrames(c)].sort(), [3, 4]);
});

test('a deviation’s title is what precedes its colon, in either language', () => {
  assert.equal(deviationTitle('ICMP 应答：应答是 ICMP 3/13（admin-prohibited，第 6 帧）'), 'ICMP 应答');
  assert.equal(deviationTitle('Kernel RST: frame 7 comes from the kernel'), 'Kernel RST');
  const plain = 'The program sent nothing at all, so there is no exchange to compare: check that it runs';
  assert.equal(deviationTitle(plain), plain);
});
