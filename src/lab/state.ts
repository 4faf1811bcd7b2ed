import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Protocol } from '../protocol';
import { readJsonFileIfValid, writeJsonFileAtomic } from '../base/json-file';

/** Where the lab keeps its state file, dnsmasq's pid/lease files and the services' logs; gone after a reboot, like the lab. */
export const LAB_RUN_DIR = '/run/portlab';

export const LabServiceSocket = z.object({ protocol: Protocol, port: z.number().int().min(1).max(65535), ipVersion: z.union([z.literal(4), z.literal(6)]) });
export type LabServiceSocket = z.infer<typeof LabServiceSocket>;

export const LabService = z.object({
  program: z.enum(['dnsmasq', 'portlab lab listen', 'portlab lab zombie']),
  pid: z.number().int().positive(),
  /** the argv the process was started with: down kills a PID only if /proc/PID/cmdline still says this */
  argv: z.array(z.string()),
  /** the addresses it serves, as the description's listeners name them */
  addresses: z.array(z.string()),
  /** the sockets it listens on once ready */
  sockets: z.array(LabServiceSocket),
  /** a responder on a raw socket: ready once it holds a packet socket on this interface of its namespace */
  packetIface: z.string().optional(),
});
export type LabService = z.infer<typeof LabService>;

export const LabState = z.object({
  id: z.number().int(),
  icmpRatelimitMs: z.number().int().optional(),
  services: z.array(LabService),
});
export type LabState = z.infer<typeof LabState>;

export function labRunFile(id: number, suffix: string): string {
  return join(LAB_RUN_DIR, `lab-${id}${suffix}`);
}

const stateFile = (id: number) => labRunFile(id, '.json');

/** The state of lab `id`, or undefined when there is none or it is unreadable (then down falls back to the namespaces). */
export function readLabState(id: number): LabState | undefined {
  const state = readJsonFileIfValid(stateFile(id), LabState);
  return state?.id === id ? state : undefined;
}

export function writeLabState(state: LabState): void {
  mkdirSync(LAB_RUN_DIR, { recursive: true, mode: 0o755 });
  writeJsonFileAtomic(stateFile(state.id), state);
}

/** Removes the state file and every other file of lab `id` (pid, lease and log files); true if there was any. */
export function removeLabFiles(id: number): boolean {
  let names: string[];
  try {
    names = readdirSync(LAB_RUN_DIR);
  } catch {
    return false;
  }
  const prefix = `lab-${id}`;
  const ours = names.filter((n) => n.startsWith(prefix) && (n[prefix.length] === '.' || n[prefix.length] === '-'));
  for (const name of ours) rmSync(join(LAB_RUN_DIR, name), { force: true });
  return ours.length > 0;
}
