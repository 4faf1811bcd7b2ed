import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Protocol } from '../protocol';

/** The arguments a process was started with, or undefined when it is gone (or a zombie, whose cmdline is empty). */
export function cmdlineOf(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (raw === '') return undefined;
    return raw.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}

/** Alive means running: a zombie waiting for its parent to reap it counts as dead. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state letter follows the command name in parentheses, which may itself contain ") ".
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function sameArgv(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((arg, i) => arg === b[i]);
}

const TERM_GRACE_MS = 2_000;
const KILL_GRACE_MS = 2_000;
const POLL_MS = 25;

async function waitGone(pids: readonly number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids.filter(isAlive);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(POLL_MS);
    left = left.filter(isAlive);
  }
  return left;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL for what is still alive after a grace period; returns the PIDs that survived both. */
export async function terminate(pids: readonly number[]): Promise<number[]> {
  const unique = [...new Set(pids)];
  for (const pid of unique) signal(pid, 'SIGTERM');
  const stubborn = await waitGone(unique, TERM_GRACE_MS);
  for (const pid of stubborn) signal(pid, 'SIGKILL');
  return waitGone(stubborn, KILL_GRACE_MS);
}

// /proc/net/{tcp,udp} socket states: TCP_LISTEN is 0x0A; an unconnected bound UDP socket shows TCP_CLOSE, 0x07.
const LISTEN_STATE: Record<Protocol, string> = { tcp: '0A', udp: '07' };

/** The local ports in listening state in a /proc/net/tcp or /proc/net/udp table. */
export function listeningPorts(procNetTable: string, protocol: Protocol): Set<number> {
  const ports = new Set<number>();
  for (const line of procNetTable.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const [, local, remote, state] = fields;
    if (state !== LISTEN_STATE[protocol] || !remote?.endsWith(':0000')) continue;
    const port = parseInt(local?.split(':')[1] ?? '', 16);
    if (Number.isInteger(port)) ports.add(port);
  }
  return ports;
}

/**
 * The ports a process's network namespace listens on: /proc/PID/net is the socket table of the
 * namespace PID lives in, so the host can look into the target without entering it.
 */
export function namespaceListeningPorts(pid: number, protocol: Protocol): Set<number> {
  try {
    return listeningPorts(readFileSync(`/proc/${pid}/net/${protocol}`, 'utf8'), protocol);
  } catch {
    return new Set();
  }
}
