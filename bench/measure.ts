import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CpuMeasurement } from './profile';
import { SCANNER_NS } from './topology';

const RUSAGE = join(__dirname, 'rusage.py');
/** Debian's python (the one with the standard library we rely on), not whatever is first on PATH. */
const PYTHON = '/usr/bin/python3';

export interface Measured extends CpuMeasurement {
  wallMs: number;
  /** peak resident set of the scanner process itself, KiB (wait4's ru_maxrss) */
  maxRssKb: number;
  exitCode: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

let running: ChildProcess | undefined;

/** Stops the run in progress (on Ctrl-C): the wrapper forwards the signal to the scanner it started. */
export function stopRunning(): void {
  if (running?.pid && running.exitCode === null) running.kill('SIGTERM');
}

/** Runs `argv` inside the scanner namespace under the rusage wrapper, killed after `timeoutSec`. */
export function runInScanner(argv: string[], timeoutSec: number): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'portlabbench-'));
  const resultFile = join(dir, 'rusage.json');
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [RUSAGE, resultFile, String(timeoutSec), 'ip', 'netns', 'exec', SCANNER_NS, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', reject);
    child.once('close', () => {
      running = undefined;
      try {
        const usage = JSON.parse(readFileSync(resultFile, 'utf8')) as Omit<Measured, 'stdout' | 'stderr'>;
        resolve({ ...usage, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
      } catch (e) {
        reject(new Error(`no measurement for ${argv.join(' ')}: ${(e as Error).message}; stderr: ${Buffer.concat(err).toString().slice(-500)}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
