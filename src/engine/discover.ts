import ipaddr from 'ipaddr.js';
import { sweepOnLink, sweepViaGateway, type Route, type SweepPacing } from '../link';
import { isIpv6Address } from '../wire';
import type { DiscoveredHost } from '../protocol';
import { UserError } from '../base/errors';
import { arpProbes, ndProbes, routedProbes } from './host-probes';
import { expandIpv6Targets } from './ipv6-targets';
import { sweepRoutes } from './sweep-routes';
import { assertLabNextHop } from './lab-route-guard';
import { ScopeGuard, type IpVersion } from './scope';

/** The largest sweep: a /16. Bigger ranges take minutes and are never a lab's subnet. */
export const MAX_DISCOVER_ADDRESSES = 65536;

const DEFAULT_PACING: SweepPacing = { rate: 2000, rounds: 2, settleMs: 1000 };

export interface DiscoverRequest {
  /** a CIDR (198.18.0.0/24), a range (198.18.0.1-20 or 198.18.0.1-198.18.0.20) or an address */
  targets: string;
  allowTargets?: string[];
  iface?: string;
}

const u32 = (a: ipaddr.IPv4) => a.toByteArray().reduce((n, b) => n * 256 + b, 0);
const fromU32 = (n: number) => ipaddr.fromByteArray([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]).toString();

/**
 * The addresses a target spec names, in order. For an IPv4 CIDR up to /30 the network and broadcast
 * addresses are left out: no host answers for them. An IPv6 spec is an address or a CIDR (see
 * expandIpv6Targets); `version` 6 (the CLI's `-6`) refuses IPv4 specs.
 */
export function expandTargets(spec: string, version?: IpVersion): string[] {
  const text = spec.trim();
  if (text.includes(':')) return expandIpv6Targets(text);
  if (version === 6) throw new UserError(`"${spec}" is IPv4; -6 discovers IPv6 hosts only (an address or a CIDR such as 2001:2:0:240::/120)`);
  let first: number;
  let last: number;
  if (text.includes('/')) {
    let bits: number;
    try {
      bits = ipaddr.IPv4.parseCIDR(text)[1];
    } catch {
      throw new UserError(`"${spec}" is not an IPv4 CIDR such as 198.18.0.0/24`);
    }
    if (bits < 16) throw new UserError(`${spec} has ${2 ** (32 - bits)} addresses; discovery sweeps at most a /16 (${MAX_DISCOVER_ADDRESSES} addresses)`);
    const base = u32(ipaddr.IPv4.networkAddressFromCIDR(text));
    const size = 2 ** (32 - bits);
    [first, last] = bits <= 30 ? [base + 1, base + size - 2] : [base, base + size - 1];
  } else {
    const m = /^(\d+\.\d+\.\d+\.\d+)(?:-(\d+(?:\.\d+\.\d+\.\d+)?))?$/.exec(text);
    if (!m || !ipaddr.IPv4.isValidFourPartDecimal(m[1]!)) throw new UserError(`"${spec}" is not an address, a range (198.18.0.1-20) or a CIDR (198.18.0.0/24)`);
    first = u32(ipaddr.IPv4.parse(m[1]!));
    if (m[2] === undefined) last = first;
    else if (m[2].includes('.')) {
      if (!ipaddr.IPv4.isValidFourPartDecimal(m[2])) throw new UserError(`"${spec}": ${m[2]} is not an IPv4 address`);
      last = u32(ipaddr.IPv4.parse(m[2]));
    } else {
      const end = Number(m[2]);
      if (end > 255) throw new UserError(`"${spec}": the range's last byte ${end} is above 255`);
      last = first - (first % 256) + end;
    }
    if (last < first) throw new UserError(`"${spec}": the range runs backwards`);
    if (last - first + 1 > MAX_DISCOVER_ADDRESSES)
      throw new UserError(`"${spec}" has ${last - first + 1} addresses; discovery sweeps at most ${MAX_DISCOVER_ADDRESSES} (a /16)`);
  }
  return Array.from({ length: last - first + 1 }, (_, i) => fromU32(first + i));
}

/**
 * Finds live hosts the way `nmap -sn` (`nmap -6 -sn`) does: this host's own addresses are up
 * (localhost); on-link addresses are asked by ARP (IPv6: neighbour solicitation); addresses behind a
 * gateway get ICMP (ICMPv6) echo, TCP SYN to 443 and TCP ACK to 80. Every address passes the scope
 * guard before a single packet is sent. `signal` stops the sweep; the hosts found until then are returned.
 */
export async function discoverHosts(request: DiscoverRequest, signal?: AbortSignal, pacing: SweepPacing = DEFAULT_PACING): Promise<DiscoveredHost[]> {
  const addresses = expandTargets(request.targets);
  const guard = new ScopeGuard(request.allowTargets ?? []);
  for (const address of addresses) guard.check(address);

  const { local, groups } = sweepRoutes(addresses, request.iface);
  for (const g of groups) for (const address of g.addresses) assertLabNextHop(address, g.onLink ? { ...g.route, nextHop: address } : g.route);
  const found: DiscoveredHost[] = local.map((address) => ({ address, rttMs: 0, method: 'localhost' }));
  const onLinkProbes = (route: Route) => (isIpv6Address(route.srcIp) ? ndProbes(route) : arpProbes(route));
  for (const g of groups.filter((g) => g.onLink))
    if (!signal?.aborted) found.push(...(await sweepOnLink(g.route, g.addresses, onLinkProbes(g.route), pacing, signal)));
  for (const g of groups.filter((g) => !g.onLink))
    if (!signal?.aborted) found.push(...(await sweepViaGateway(g.route, g.addresses, routedProbes(g.route), pacing, signal)));
  const order = new Map(addresses.map((a, i) => [a, i]));
  return found.sort((a, b) => order.get(a.address)! - order.get(b.address)!);
}
