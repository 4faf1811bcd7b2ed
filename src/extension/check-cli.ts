import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeEnv, type NodeRuntime } from '../helper/runtime';
import { checkRunFiles } from '../output/out-folder';
import { CheckDocument } from '../protocol/check';
import type { Technique } from '../protocol/scan';
import { NMAP_FLAG } from '../technique';

/** One `portlab check` of a program against a lab's target. */
export interface CheckCliRequest {
  /** what runs the CLI (see node-path.ts) */
  runtime: NodeRuntime;
  cliPath: string;
  lab: number;
  target: string;
  technique: Technique;
  ports: readonly number[];
  timeoutS: number;
  /** the --out folder: the check's own, emptied before it runs */
  outDir: string;
  /** the program's command line, with the checker's {target} and {port} */
  program: readonly string[];
}

export type CheckCliOutcome =
  /** `partial`: stopped before every port was run; `warnings`: what the checker said on stderr beside its document */
  | { document: CheckDocument; partial: boolean; warnings: string[] }
  /** the checker's one-line error, when it said one */
  | { failed: { line: string | undefined; exitCode: number | null } };

/** How the checker exits when a stop signal cut it short (128 + SIGINT, as a shell reports it). */
const INTERRUPTED_EXIT = 130;
const PROGRESS_POLL_MS = 500;
/** After SIGTERM the checker stops its running programs and prints what it has: it gets this long. */
const STOP_GRACE_MS = 10_000;

export function checkCliArgs(r: CheckCliRequest): string[] {
  return [
    r.cliPath,
    'check',
    r.target,
    '-p',
    r.ports.join(','),
    `-s${NMAP_FLAG[r.technique]}`,
    '--lab',
    String(r.lab),
    '--timeout',
    String(r.timeoutS),
    '--json',
    '--out',
    r.outDir,
    '--',
    ...r.program,
  ];
}

const PREFIX = 'portlab: ';

/** The checker's own lines on stderr ("portlab: …"), without the prefix; a stack trace's lines are not its own. */
export function checkerLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith(PREFIX))
    .map((line) => line.slice(PREFIX.length).trim());
}

/** The one line that says why the checker failed: its last own line, never a stack trace. */
export function cliErrorLine(stderr: string): string | undefined {
  return checkerLines(stderr).at(-1);
}

/** How many of the request's runs have ended: each leaves its output file in the --out folder. */
function runsDone(r: CheckCliRequest): number {
  return r.ports.filter((port) => existsSync(join(r.outDir, checkRunFiles(r.technique, port).output))).length;
}

/**
 * Runs the bundled CLI's `check`, reporting how many runs have ended; `signal` stops it as Ctrl+C would
 * (the checker then prints the cases that ended). Resolves with its document, or with its error line.
 */
export function runCheckCli(r: CheckCliRequest, progress: (done: number) => void, signal: AbortSignal): Promise<CheckCliOutcome> {
  rmSync(r.outDir, { recursive: true, force: true });
  return new Promise((resolve) => {
    const child = spawn(r.runtime.path, checkCliArgs(r), { stdio: ['ignore', 'pipe', 'pipe'], env: runtimeEnv(r.runtime) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let reported = -1;
    const poll = setInterval(() => {
      const done = runsDone(r);
      if (done !== reported) progress((reported = done));
    }, PROGRESS_POLL_MS);
    let kill: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      process.kill(child.pid, 'SIGTERM');
      kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    };
    signal.addEventListener('abort', stop, { once: true });
    const finish = (outcome: CheckCliOutcome) => {
      clearInterval(poll);
      clearTimeout(kill);
      signal.removeEventListener('abort', stop);
      resolve(outcome);
    };
    child.once('error', (err) => finish({ failed: { line: `${r.runtime.path}: ${err.message}`, exitCode: null } }));
    child.once('close', (exitCode) => {
      const parsed = parseDocument(stdout);
      if (!parsed) return finish({ failed: { line: cliErrorLine(stderr), exitCode } });
      const partial = exitCode === INTERRUPTED_EXIT || signal.aborted;
      finish({ document: parsed, partial, warnings: partial ? [] : checkerLines(stderr) });
    });
  });
}

function parseDocument(stdout: string): CheckDocument | undefined {
  try {
    const parsed = CheckDocument.safeParse(JSON.parse(stdout));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
