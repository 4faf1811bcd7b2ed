import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { labTopology, type LabTopology } from '../../src/lab';
import type { PortResult } from '../../src/protocol';

/** Shared by the reliability tests (issue 7): a lab id's names, the CLI in its scanner, and leftover checks. */
export const run = promisify(execFile);
export const CLI = resolve(__dirname, '..', '..', 'out', 'cli.js');
export const NODE = process.execPath;
export const rootSkip = process.getuid?.() === 0 ? false : 'needs root (network namespaces)';

export const statesOf = (results: readonly PortResult[]) => results.map((r) => `${r.technique} ${r.port}/${r.protocol} ${r.state} ${r.reason}`).sort();

/** `ip netns exec <ns> node out/cli.js …` as an argv for spawn/execFile. */
export function cliInNetns(ns: string, args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', ns, NODE, CLI, ...args]];
}

export function spawnCli(topo: LabTopology, args: string[]): ChildProcess {
  const [cmd, argv] = cliInNetns(topo.scanner.namespace, args);
  return spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the exit of a child (code or signal), or rejects after `ms`. */
export function exitOf(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} still running after ${ms} ms`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

export function collect(stream: NodeJS.ReadableStream | null | undefined): () => string {
  let text = '';
  stream?.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
}

/**
 * Frames tshark reads from a pcap; rejects (tshark's own message) if the file is not a readable capture.
 * One failure is the kernel's, not the writer's, and is accepted: Linux may stop a write() to a regular file
 * at a page boundary when SIGKILL arrives, so a killed writer's capture can end in a cut record. tshark then
 * prints every whole frame and exits 2 saying the file was "cut short in the middle of a packet" (Wireshark
 * opens it with that warning). Accepted only when the file ends on a page boundary.
 */
export async function tsharkFrames(pcap: string, filter?: string): Promise<number> {
  let stdout: string;
  try {
    ({ stdout } = await run('tshark', ['-n', '-r', pcap, ...(filter ? ['-Y', filter] : []), '-T', 'fields', '-e', 'frame.number'], { maxBuffer: 256 << 20 }));
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (!(e.code === 2 && /cut short in the middle of a packet/.test(e.stderr ?? '') && endsOnPageBoundary(pcap))) throw err;
    stdout = e.stdout ?? '';
  }
  return stdout.trim() === '' ? 0 : stdout.trim().split('\n').length;
}

/** Where a write() interrupted by SIGKILL can stop: a multiple of the page size. */
export function endsOnPageBoundary(path: string): boolean {
  return statSync(path).size % 4096 === 0;
}

export async function namespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

export async function netnsPids(ns: string): Promise<number[]> {
  try {
    const { stdout } = await run('ip', ['netns', 'pids', ns]);
    return stdout
      .split('\n')
      .map(Number)
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (bounded) for a PID to disappear; true if it did. */
export async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid) || /\bState:\s+Z/.test(safeRead(`/proc/${pid}/status`))) return true;
    await sleep(50);
  }
  return false;
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Processes anywhere on the host whose command line mentions `needle` (a temp dir only our test made). */
export async function processesMentioning(needle: string): Promise<number[]> {
  const { stdout } = await run('ps', ['-eo', 'pid=,args=']);
  return stdout
    .split('\n')
    .filter((l) => l.includes(needle) && !l.includes(' ps -eo'))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((pid) => pid > 0 && pid !== process.pid);
}

/** The scanner namespace's nft ruleset: the engine must never leave rules there. */
export async function scannerRuleset(topo: LabTopology): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'exec', topo.scanner.namespace, 'nft', 'list', 'ruleset']);
  return stdout.trim();
}

export async function hostRuleset(): Promise<string> {
  const { stdout } = await run('nft', ['list', 'ruleset']);
  return stdout;
}

/** What a fault test must find after it cleaned up: none of its namespaces, and nothing it started still running. */
export async function leftovers(id: number, startedPids: readonly number[], marker?: string): Promise<string[]> {
  const problems: string[] = [];
  const prefix = `portlab${id}-`;
  for (const ns of await namespaces()) if (ns.startsWith(prefix)) problems.push(`namespace ${ns}`);
  for (const pid of startedPids) if (isAlive(pid) && !(await gone(pid, 2000))) problems.push(`process ${pid}`);
  if (marker) for (const pid of await processesMentioning(marker)) problems.push(`process ${pid} mentioning ${marker}`);
  return problems;
}

export function topologyOf(id: number): LabTopology {
  return labTopology(id);
}
