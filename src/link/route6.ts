import { execFileSync } from 'node:child_process';
import { UserError } from '../base/errors';
import { findProgram } from '../base/program-path';

const IP_TIMEOUT_MS = 5000;
/** the neighbour states whose link-layer address may be used (ip-neighbour(8)); INCOMPLETE and FAILED have none */
const USABLE_NEIGHBOUR_STATES = new Set(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP']);

/** One answer of `ip -j route get` / `ip -j neigh show`, the fields PortLab reads. */
interface IpRouteAnswer {
  type?: string;
  dev?: string;
  gateway?: string;
  prefsrc?: string;
}
interface IpNeighbour {
  dst?: string;
  lladdr?: string;
  state?: string[];
}

/**
 * Runs iproute2's `ip` with JSON output: the kernel itself answers which route, source address and
 * neighbour it would use, policy routing and RFC 6724's source address selection included, which
 * /proc has no file for. Undefined when ip fails (no route: "Network is unreachable").
 */
function ipJson<T>(args: string[]): T[] | undefined {
  const ip = findProgram('ip');
  if (!ip) throw new UserError("IPv6 targets need iproute2's `ip` to look up routes and neighbours: apt-get install iproute2", 'no-route');
  try {
    const out = execFileSync(ip, ['-j', ...args], { encoding: 'utf8', timeout: IP_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim() === '' ? [] : (JSON.parse(out) as T[]);
  } catch {
    return undefined;
  }
}

/** "fe80::2%pl230s" → the address and its zone (the interface a link-local address belongs to). */
export function splitZone(target: string): { address: string; zone?: string } {
  const at = target.indexOf('%');
  return at < 0 ? { address: target } : { address: target.slice(0, at), zone: target.slice(at + 1) };
}

/** The kernel's route to an IPv6 address, leaving by `oif` when given. */
export interface KernelRoute6 {
  /** the address is this host's own (::1 or an address of an interface) */
  local: boolean;
  dev: string;
  gateway?: string;
  /** the source address the kernel would choose */
  prefsrc?: string;
}

/**
 * `ip -6 route get`: the interface, gateway and source address the kernel would use for `address`.
 * Undefined when there is no route.
 */
export function kernelRoute6(address: string, oif: string | undefined): KernelRoute6 | undefined {
  const answer = ipJson<IpRouteAnswer>(['-6', 'route', 'get', address, ...(oif !== undefined ? ['oif', oif] : [])])?.[0];
  if (!answer?.dev) return undefined;
  return {
    local: answer.type === 'local',
    dev: answer.dev,
    ...(answer.gateway ? { gateway: answer.gateway } : {}),
    ...(answer.prefsrc ? { prefsrc: answer.prefsrc } : {}),
  };
}

/** The next hop's MAC from the kernel's IPv6 neighbour table, when it has a usable entry. */
export function neighbourFromNdpTable(ip: string, iface: string): string | undefined {
  const entries = ipJson<IpNeighbour>(['-6', 'neigh', 'show', 'to', ip, 'dev', iface]) ?? [];
  const entry = entries.find((e) => e.lladdr && (e.state ?? []).some((s) => USABLE_NEIGHBOUR_STATES.has(s)));
  return entry?.lladdr?.toLowerCase();
}
