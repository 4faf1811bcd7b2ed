import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
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
 * The ports a process's network namespace listens on over IPv4 or IPv6 (/proc/PID/net/tcp or tcp6): /proc/PID/net
 * is the socket table of the namespace PID lives in, so the host can look into the target without entering it.
 */
export function namespaceListeningPorts(pid: number, protocol: Protocol, ipVersion: 4 | 6 = 4): Set<number> {
  try {
    return listeningPorts(readFileSync(`/proc/${pid}/net/${protocol}${ipVersion === 6 ? '6' : ''}`, 'utf8'), protocol);
  } catch {
    return new Set();
  }
}

/** Inode → interface index of each packet socket in a /proc/net/packet table (index 0: bound to no interface). */
export function packetSockets(procNetPacket: string): Map<number, number> {
  const sockets = new Map<number, number>();
  for (const line of procNetPacket.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 9) continue;
    const ifindex = Number(fields[4]);
    const inode = Number(fields[8]);
    if (Number.isInteger(ifindex) && Number.isInteger(inode)) sockets.set(inode, ifindex);
  }
  return sockets;
}

/**
 * The interfaces (by index) on which process `pid` holds a packet socket, as a capture does: its open
 * sockets (/proc/PID/fd → socket:[inode]) looked up in its namespace's packet socket table. Empty when it is gone.
 */
export function packetSocketInterfaces(pid: number): Set<number> {
  const found = new Set<number>();
  try {
    const sockets = packetSockets(readFileSync(`/proc/${pid}/net/packet`, 'utf8'));
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const ifindex = sockets.get(Number(/^socket:\[(\d+)\]$/.exec(target)?.[1]));
      if (ifindex !== undefined) found.add(ifindex);
    }
  } catch {
    // gone: no sockets
  }
  return found;
}
