import { readFileSync } from 'node:fs';

/** Linux capability numbers (include/uapi/linux/capability.h). */
export const CAP_NET_RAW = 13;
export const CAP_SYS_ADMIN = 21;

/** The credential lines of /proc/<pid>/status that decide what a process may do. */
export interface ProcStatus {
  capEff: bigint;
  capPrm: bigint;
  capBnd: bigint;
  noNewPrivs: boolean;
  /** the effective uid */
  uid: number;
}

/** Parses the text of /proc/<pid>/status; throws naming the first line that is missing or malformed. */
export function parseProcStatus(statusText: string): ProcStatus {
  const field = (name: string, value: RegExp) => {
    const m = new RegExp(`^${name}:\\s*(${value.source})\\s*$`, 'm').exec(statusText);
    if (!m) throw new Error(`no ${name} line in /proc/self/status`);
    return m[1]!;
  };
  const capabilities = (name: string) => BigInt(`0x${field(name, /[0-9a-fA-F]{1,16}/)}`);
  return {
    capEff: capabilities('CapEff'),
    capPrm: capabilities('CapPrm'),
    capBnd: capabilities('CapBnd'),
    noNewPrivs: field('NoNewPrivs', /[01]/) === '1',
    uid: Number(field('Uid', /\d+\s+\d+\s+\d+\s+\d+/).split(/\s+/)[1]),
  };
}

/** This process's credentials, as the kernel reports them now. */
export function readProcStatus(): ProcStatus {
  return parseProcStatus(readFileSync('/proc/self/status', 'utf8'));
}

/** Whether capability number `cap` is in the set `capabilities` (a CapEff/CapPrm/CapBnd mask). */
export function hasCapability(capabilities: bigint, cap: number): boolean {
  return ((capabilities >> BigInt(cap)) & 1n) === 1n;
}

/** The setcap line that gives a program (a Node.js binary) CAP_NET_RAW alone, what raw scans need. */
export function setcapCommand(program: string): string {
  return `sudo setcap cap_net_raw+ep ${program}`;
}
