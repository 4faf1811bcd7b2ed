import { z } from 'zod';
import { AnalyzedTechnique, CaptureDeviation } from './analysis';
import { LabTruth } from './lab';
import { ExchangePacket, PORT_STATES, PortState, Protocol, Reason, Technique } from './scan';

/** A state a student's program may print: nmap's four, and the ACK scan's unfiltered. */
export const ProgramState = z.enum([...PORT_STATES, 'unfiltered']);
export type ProgramState = z.infer<typeof ProgramState>;

/**
 * How one run of the program compares with the expected answer: its verdict was right or wrong, it
 * printed none (and exited 0), it crashed (non-zero exit or a signal, without a verdict), or it ran
 * past the time limit and was killed.
 */
export const CHECK_RESULTS = ['correct', 'wrong', 'no-verdict', 'crashed', 'timed-out'] as const;
export const CheckResult = z.enum(CHECK_RESULTS);
export type CheckResult = z.infer<typeof CheckResult>;

/** Where the expected answer comes from: the lab's known truth, PortLab's own scan, or nmap's. */
export const ExpectedSource = z.enum(['lab', 'portlab', 'nmap']);
export type ExpectedSource = z.infer<typeof ExpectedSource>;

export const ExpectedAnswer = z.object({ state: PortState, reason: Reason, source: ExpectedSource });
export type ExpectedAnswer = z.infer<typeof ExpectedAnswer>;

/** What one run of the program did and said. */
export const ProgramOutcome = z.object({
  /** the state its output named last; null when it named none */
  verdict: ProgramState.nullable(),
  /** the output line the verdict was read from */
  verdictLine: z.string().optional(),
  /** the end of its stdout */
  output: z.string(),
  /** the end of its stderr */
  stderr: z.string(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  timedOut: z.boolean(),
  crashed: z.boolean(),
  durationMs: z.number().nonnegative(),
});
export type ProgramOutcome = z.infer<typeof ProgramOutcome>;

/** One run of the program: one technique against one port. */
export const CheckCase = z.object({
  technique: Technique,
  target: z.string(),
  port: z.number().int().min(1).max(65535),
  protocol: Protocol,
  /** the program's command line as given, with its {target} and {port} placeholders */
  command: z.array(z.string()),
  /** the lab's truth for the port, when the target is a lab's */
  truth: LabTruth.optional(),
  expected: ExpectedAnswer,
  /** nmap's answer for the same port, when the target is not a lab's and nmap is installed */
  nmap: ExpectedAnswer.optional(),
  program: ProgramOutcome,
  result: CheckResult,
  /** the run's packets in capture order (frame numbers are the run's own capture's) */
  exchange: z.array(ExchangePacket),
  /**
   * The run's packets checked against the textbook (`portlab analyze`'s rules): the technique they are
   * on the wire, whether they follow its textbook row, and what differs. Absent when it sent nothing.
   */
  textbook: z.object({ technique: AnalyzedTechnique, matches: z.boolean(), deviations: z.array(CaptureDeviation) }).optional(),
  /** the run's capture and output, relative to the --out folder, when one was written */
  capture: z.string().optional(),
  outputFile: z.string().optional(),
});
export type CheckCase = z.infer<typeof CheckCase>;

/**
 * What `portlab check --json` prints and `--out DIR` writes as DIR/check.json, where the cases of the
 * techniques checked into the folder before are kept (a technique checked again replaces its cases).
 */
export const CheckDocument = z.object({
  tool: z.string(),
  startedAt: z.string(),
  command: z.array(z.string()).optional(),
  /** the program of the last check, with its {target} and {port} placeholders */
  program: z.array(z.string()),
  /** the time limit of each run of the last check */
  timeoutMs: z.number().int().positive(),
  /** the lab whose target was checked last */
  lab: z.number().int().min(0).max(255).optional(),
  cases: z.array(CheckCase),
});
export type CheckDocument = z.infer<typeof CheckDocument>;

/** The last line a program printed that says anything (a crash's error, a hung run's last word). */
export function lastOutputLine(text: string): string | undefined {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .at(-1);
}
