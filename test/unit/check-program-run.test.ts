import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fillPlaceholders, resolveProgram, runProgram, type ProgramLaunch } from '../../src/check/program-run';
import { checkResult, programOutcome } from '../../src/check/check-case';
import type { ExpectedAnswer } from '../../src/protocol';

const now = () => Date.now() * 1000;
const SH = resolveProgram(['sh'])[0]!;

function launch(script: string, extra: Partial<ProgramLaunch> = {}): ProgramLaunch {
  return { command: [SH, '-c', script, 'sh', '{target}', '{port}'], target: '127.0.0.1', port: 80, timeoutMs: 5000, now, ...extra };
}

/** Whether a process still exists (a zombie still reaped by nobody counts as gone). */
function alive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

test('placeholders are filled in every argument, as often as they occur', () => {
  assert.deepEqual(fillPlaceholders(['scan.py', '{target}', '--port={port}', '{target}:{port}', 'x'], '198.18.80.2', 443), [
    'scan.py',
    '198.18.80.2',
    '--port=443',
    '198.18.80.2:443',
    'x',
  ]);
});

test('the program is resolved on PATH once; a missing one is bad input', () => {
  assert.match(SH, /^\/.*\/sh$/);
  assert.throws(() => resolveProgram([]), /no program to check/);
  assert.throws(() => resolveProgram(['no-such-program-portlab']), /program not found: no-such-program-portlab/);
  assert.throws(() => resolveProgram(['/nonexistent/scan.py']), /missing or not executable/);
});

test('the program gets its target and port as arguments and in its environment, and its output is kept', async () => {
  const run = await runProgram(launch('echo "$1 $2 $PORTLAB_TARGET $PORTLAB_PORT"; echo oops >&2; exit 3'));
  assert.deepEqual(run.argv.slice(-2), ['127.0.0.1', '80']);
  assert.equal(run.stdout, '127.0.0.1 80 127.0.0.1 80\n');
  assert.equal(run.stderr, 'oops\n');
  assert.deepEqual([run.exitCode, run.signal, run.timedOut], [3, null, false]);
  assert.ok(run.endedAt >= run.startedAt);
});

test('at the time limit the whole process group is killed, children included', async () => {
  const run = await runProgram(launch('sleep 60 & echo $!; echo "Port 25 is"; sleep 60', { timeoutMs: 300 }));
  assert.equal(run.timedOut, true);
  assert.equal(run.interrupted, false);
  assert.equal(run.signal, 'SIGTERM');
  const child = Number(run.stdout.split('\n')[0]);
  assert.ok(child > 0);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(child), false, `the program's child ${child} was killed too`);
  const outcome = programOutcome(run);
  assert.deepEqual([outcome.timedOut, outcome.crashed], [true, false]);
});

test("a child left running after the program's end is killed with it", async () => {
  const run = await runProgram(launch('sleep 60 >/dev/null 2>&1 & echo $!; echo "Port 80 is open"'));
  const child = Number(run.stdout.split('\n')[0]);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(child), false);
  assert.equal(run.timedOut, false);
});

test('an aborted check stops a run as the time limit does', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const run = await runProgram(launch('sleep 60', { signal: controller.signal, timeoutMs: 30_000 }));
  assert.deepEqual([run.signal, run.timedOut], ['SIGTERM', false]);
  assert.equal(run.interrupted, true);
});

const OPEN: ExpectedAnswer = { state: 'open', reason: 'syn-ack', source: 'lab' };

test('results: correct, wrong, no verdict, crashed and timed out are told apart', async () => {
  const result = async (script: string, timeoutMs = 5000) => checkResult(programOutcome(await runProgram(launch(script, { timeoutMs }))), OPEN);
  assert.equal(await result('echo "Port 80 is open"'), 'correct');
  assert.equal(await result('echo "Port 80 is closed"'), 'wrong');
  assert.equal(await result('echo "Port 80 is open"; exit 1'), 'correct', 'a verdict counts even with a non-zero exit');
  assert.equal(await result('echo "scanning"'), 'no-verdict');
  assert.equal(await result('echo "SyntaxError: invalid syntax" >&2; exit 1'), 'crashed');
  assert.equal(await result('kill -SEGV $$'), 'crashed');
  assert.equal(await result('echo "Port 80 is open"; sleep 60', 200), 'timed-out');
});

test('a crash keeps the end of stderr for the table', async () => {
  const outcome = programOutcome(await runProgram(launch('echo "  File x, line 19" >&2; echo "SyntaxError: Missing parentheses" >&2; exit 1')));
  assert.equal(outcome.crashed, true);
  assert.equal(outcome.verdict, null);
  assert.match(outcome.stderr, /SyntaxError: Missing parentheses/);
});
