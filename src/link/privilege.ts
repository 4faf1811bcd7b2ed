import { realpathSync } from 'node:fs';
import { UserError } from '../base/errors';
import { CAP_NET_RAW, hasCapability, readProcStatus, setcapCommand } from '../base/proc-status';

/** Whether this process may open raw sockets and captures (root or CAP_NET_RAW in its effective set). */
export function hasCapNetRaw(): boolean {
  try {
    return hasCapability(readProcStatus().capEff, CAP_NET_RAW);
  } catch {
    return false;
  }
}

/** The capability goes on the binary running this process: with no `node` on PATH there is no other to name. */
export function missingCapNetRaw(what: string): UserError {
  return new UserError(`${what} needs CAP_NET_RAW: run as root or grant it with \`${setcapCommand(runtimeBinary())}\` (connect scans, -sT, work without it)`);
}

function runtimeBinary(): string {
  try {
    return realpathSync(process.execPath);
  } catch {
    return process.execPath;
  }
}
