import type { Deviation } from '../analysis/deviations';
import { protocolOf, type AnalyzedTechnique, type CheckCase } from '../protocol';
import { checkRunFiles } from '../output/out-folder';
import { checkResult, programOutcome } from './check-case';
import type { RunRecord } from './check-runs';
import { expectationKey, type Expectations } from './expected';
import { analyzeRun } from './run-analysis';

export interface CaseContext {
  target: string;
  /** the program's command line as given, with its placeholders */
  command: readonly string[];
  expectations: Expectations;
  /** each run's capture and output were written to the --out folder */
  wroteFiles: boolean;
  /** a deviation in words, for --json and check.json (the report words it again in its own language) */
  wordDeviation(deviation: Deviation, technique: AnalyzedTechnique): string;
}

/** Each run as a case of the check: what the program said and sent, what was expected, and how they compare. */
export function checkCases(records: readonly RunRecord[], context: CaseContext): CheckCase[] {
  return records.map((record): CheckCase => {
    const { technique, port } = record;
    const expectation = context.expectations.get(expectationKey(technique, port));
    if (!expectation) throw new Error(`no expected answer for ${technique} port ${port}`);
    const program = programOutcome(record.run);
    const analysis = analyzeRun(record.frames, context.target, port);
    const c: CheckCase = {
      technique,
      target: context.target,
      port,
      protocol: protocolOf(technique),
      command: [...context.command],
      ...(expectation.truth ? { truth: expectation.truth } : {}),
      expected: expectation.expected,
      ...(expectation.nmap ? { nmap: expectation.nmap } : {}),
      program,
      result: checkResult(program, expectation.expected),
      exchange: analysis?.packets ?? [],
    };
    if (analysis)
      c.textbook = {
        technique: analysis.technique,
        matches: analysis.matchesTextbook,
        deviations: analysis.deviations.map((d) => ({ kind: d.kind, frames: d.frames, text: context.wordDeviation(d, analysis.technique), facts: d.facts })),
      };
    if (context.wroteFiles) {
      const files = checkRunFiles(technique, port);
      if (!record.captureError) c.capture = files.capture;
      if (!record.outputError) c.outputFile = files.output;
    }
    return c;
  });
}
