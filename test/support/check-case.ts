import type { CheckCase } from '../../src/protocol/check';
import type { LabTruth } from '../../src/protocol/lab';
import type { PortState, Reason } from '../../src/protocol/scan';

export type CaseOverrides = Omit<Partial<CheckCase>, 'program'> & { program?: Partial<CheckCase['program']> };

/** A correct SYN run of a lab port that answered as `truth` says, with `over` changing what a test is about. */
export function checkCase(base: { port: number; truth: LabTruth; state: PortState; reason: Reason; durationMs: number }, over: CaseOverrides): CheckCase {
  const { program, ...rest } = over;
  return {
    technique: 'syn',
    target: '198.18.81.2',
    command: ['python3', 'scan.py', '{target}', '{port}'],
    port: base.port,
    protocol: 'tcp',
    truth: base.truth,
    expected: { state: base.state, reason: base.reason, source: 'lab' },
    program: {
      verdict: base.state,
      output: `Port ${base.port} is ${base.state}\n`,
      stderr: '',
      exitCode: 0,
      signal: null,
      timedOut: false,
      crashed: false,
      durationMs: base.durationMs,
      ...program,
    },
    result: 'correct',
    exchange: [],
    ...rest,
  };
}
