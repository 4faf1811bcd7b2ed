import { basename, resolve } from 'node:path';
import { lastOutputLine, type CheckCase, type CheckDocument } from '../protocol/check';
import { packetLabel } from '../protocol/scan';

/** A case of a check that is not correct, placed in the program's file. */
export interface CheckProblem {
  check: CheckCase;
  /** 0-based line of the program's file: the one its stderr names, else the first */
  line: number;
  /** what answered the probe, in arrow notation ("RA", "ICMP 3/13"), when something did */
  answer: string | undefined;
  /** the last line the program wrote on stderr: a crash's error */
  lastError: string | undefined;
  /** the last line it printed, when it printed something but named no state */
  lastOutput: string | undefined;
}

const PYTHON_FRAME = /File "([^"]+)", line (\d+)/g;

/**
 * The line of `programFile` (1-based) that Python's traceback or SyntaxError on `stderr` names last:
 * the innermost frame in the student's own file, not in Scapy's.
 */
export function stderrLineOf(stderr: string, programFile: string): number | undefined {
  const frames = [...stderr.matchAll(PYTHON_FRAME)].map((m) => ({ file: m[1]!, line: Number(m[2]) }));
  const own = frames.filter((f) => resolve(f.file) === resolve(programFile));
  // A program started by a relative path names itself relatively, from a working directory not known here.
  const candidates = own.length > 0 ? own : frames.filter((f) => basename(f.file) === basename(programFile));
  return candidates.at(-1)?.line;
}

/** Every case of `doc` that is not correct, on the line of `programFile` it is shown on. */
export function checkProblems(doc: CheckDocument, programFile: string): CheckProblem[] {
  return doc.cases
    .filter((c) => c.result !== 'correct')
    .map((c) => {
      const named = stderrLineOf(c.program.stderr, programFile);
      const answer = c.exchange.find((p) => p.dir === 'in');
      return {
        check: c,
        line: named === undefined ? 0 : named - 1,
        answer: answer && packetLabel(answer),
        lastError: lastOutputLine(c.program.stderr),
        lastOutput: lastOutputLine(c.program.output),
      };
    });
}
