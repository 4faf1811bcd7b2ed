import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { UserError } from '../base/errors';
import { findProgram } from '../base/program-path';

/** What one run of the student's program did. */
export interface ProgramRun {
  /** the command line as run, after {target} and {port} were filled in */
  argv: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** killed at the time limit */
  timedOut: boolean;
  /** stopped because the check was interrupted: its end says nothing of the program */
  interrupted: boolean;
  stdout: string;
  stderr: string;
  /** µs since the epoch, on the same clock as the capture's timestamps */
  startedAt: number;
  endedAt: number;
}

export interface ProgramLaunch {
  /** the program (resolved by resolveProgram) and its arguments, with {target} and {port} placeholders */
  command: readonly string[];
  target: string;
  port: number;
  timeoutMs: number;
  /** programs to run in front of the command (setpriv's confinement), already resolved */
  prefix?: readonly string[];
  /** the clock the capture uses, so that the run's times can be compared with packets */
  now: () => number;
  /** stops the run as the time limit does (the check was interrupted) */
  signal?: AbortSignal;
}

/** More output than this is cut from the front: the verdict is in the last lines. */
const MAX_OUTPUT = 64 * 1024;
/** After SIGTERM at the time limit, the program's group gets this long before SIGKILL. */
const KILL_GRACE_MS = 500;

export function fillPlaceholders(command: readonly string[], target: string, port: number): string[] {
  return command.map((arg) => arg.replaceAll('{target}', target).replaceAll('{port}', String(port)));
}

/**
 * The command with its program as an absolute path (a bare name is looked up on PATH), checked once
 * before any run so that a typing mistake is one line of bad input, not a crash per port.
 */
export function resolveProgram(command: readonly string[]): string[] {
  const program = command[0];
  if (!program) throw new UserError('no program to check: give it after --, e.g. -- python3 syn_scan.py {target} {port}');
  const resolved = program.includes('/') ? program : findProgram(program);
  if (!resolved) throw new UserError(`program not found: ${program} (not on PATH)`);
  try {
    accessSync(resolved, constants.X_OK);
  } catch {
    throw new UserError(`program ${resolved} is missing or not executable`);
  }
  return [resolved, ...command.slice(1)];
}

function keepTail(text: string, chunk: string): string {
  const joined = text + chunk;
  return joined.length > MAX_OUTPUT ? joined.slice(joined.length - MAX_OUTPUT) : joined;
}

/**
 * Runs the program once, in a process group of its own so that at the time limit (and after it ends)
 * the whole group goes, children included: a Scapy program that forks a sniffer must not outlive its run.
 */
export function runProgram(launch: ProgramLaunch): Promise<ProgramRun> {
  const argv = fillPlaceholders(launch.command, launch.target, launch.port);
  const full = [...(launch.prefix ?? []), ...argv];
  return new Promise((resolve, reject) => {
    const startedAt = launch.now();
    const child = spawn(full[0]!, full.slice(1), {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Unbuffered, so that what a killed program printed before the time limit is not lost in its buffer.
      env: { ...process.env, PORTLAB_TARGET: launch.target, PORTLAB_PORT: String(launch.port), PYTHONUNBUFFERED: '1' },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let interrupted = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout = keepTail(stdout, d)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = keepTail(stderr, d)));
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // the group is gone already
      }
    };
    let grace: NodeJS.Timeout | undefined;
    const stop = () => {
      killGroup('SIGTERM');
      grace = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    const limit = setTimeout(() => {
      timedOut = true;
      stop();
    }, launch.timeoutMs);
    const interrupt = () => {
      interrupted = true;
      stop();
    };
    launch.signal?.addEventListener('abort', interrupt, { once: true });
    child.once('error', (err) => {
      clearTimeout(limit);
      launch.signal?.removeEventListener('abort', interrupt);
      reject(new UserError(`could not start ${full[0]}: ${err.message}`));
    });
    let endedAt = startedAt;
    let orphanedPipes: NodeJS.Timeout | undefined;
    child.once('exit', () => {
      endedAt = launch.now();
      clearTimeout(limit);
      launch.signal?.removeEventListener('abort', interrupt);
      clearTimeout(grace);
      // Whatever the program left running in its group ends with its run (and so lets its pipes close).
      killGroup('SIGKILL');
      // A child that left the group (setsid) may hold the pipes open: the run is over all the same.
      orphanedPipes = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, KILL_GRACE_MS);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(orphanedPipes);
      resolve({ argv, exitCode, signal, timedOut, interrupted, stdout, stderr, startedAt, endedAt });
    });
  });
}
