import { readFileSync } from 'node:fs';
import { UserError } from '../base/errors';

const CAP_NET_RAW = 13n;

/** Whether this process may open raw sockets and captures (root or CAP_NET_RAW in its effective set). */
export function hasCapNetRaw(): boolean {
  try {
    const line = readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('CapEff:'));
    if (!line) return false;
    return ((BigInt(`0x${line.slice(7).trim()}`) >> CAP_NET_RAW) & 1n) === 1n;
  } catch {
    return false;
  }
}

export function missingCapNetRaw(what: string): UserError {
  return new UserError(
    `${what} needs CAP_NET_RAW: run as root or grant it with ` +
      '`sudo setcap cap_net_raw,cap_net_admin+eip $(command -v node)` (connect scans, -sT, work without it)',
  );
}
