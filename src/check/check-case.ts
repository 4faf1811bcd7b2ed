import type { CheckResult, ExpectedAnswer, ProgramOutcome } from '../protocol';
import type { ProgramRun } from './program-run';
import { readProgramVerdict } from './program-verdict';

/**
 * What one run said and how it ended. The verdict is read from stdout only: a traceback on stderr may
 * well name a state ("Connection closed") without being one. A run that printed no verdict and ended
 * with a non-zero code or a signal crashed; one killed at the time limit timed out, whatever it printed.
 */
export function programOutcome(run: ProgramRun): ProgramOutcome {
  const verdict = readProgramVerdict(run.stdout);
  const outcome: ProgramOutcome = {
    verdict: verdict?.state ?? null,
    output: run.stdout,
    stderr: run.stderr,
    exitCode: run.exitCode,
    signal: run.signal,
    timedOut: run.timedOut,
    crashed: !run.timedOut && !verdict && (run.exitCode !== 0 || run.signal !== null),
    durationMs: Math.round((run.endedAt - run.startedAt) / 1000),
  };
  if (verdict) outcome.verdictLine = verdict.line;
  return outcome;
}

export function checkResult(program: ProgramOutcome, expected: ExpectedAnswer): CheckResult {
  if (program.timedOut) return 'timed-out';
  if (program.verdict !== null) return program.verdict === expected.state ? 'correct' : 'wrong';
  return program.crashed ? 'crashed' : 'no-verdict';
}
