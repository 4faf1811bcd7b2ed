import { networkInterfaces } from 'node:os';
import { findRoute, type Route } from '../link';
import { canonicalIpv6, isIpv6Address } from '../wire';

/** The addresses of a sweep that leave by one route: on its link (asked by ARP or NDP), or through its gateway. */
export interface SweepGroup {
  route: Route;
  onLink: boolean;
  addresses: string[];
}

export interface SweepRoutes {
  /** this host's own addresses: up without a packet */
  local: string[];
  groups: SweepGroup[];
}

/** This host's IPv6 addresses, in canonical form. */
function ownIpv6Addresses(): Set<string> {
  return new Set(
    Object.values(networkInterfaces())
      .flat()
      .flatMap((a) => (a?.family === 'IPv6' ? [canonicalIpv6(a.address)] : [])),
  );
}

/**
 * How each address of a sweep is reached, as the kernel routes it. IPv4 routes are read from the routing
 * table for each address. An IPv6 route is the kernel's answer to `ip route get`, a process per lookup: a
 * sweep's IPv6 addresses (one CIDR of at most a /112) are all given the route of the first one that is
 * not this host's own, its gateway or, when there is none, each address on that link.
 */
export function sweepRoutes(addresses: readonly string[], iface: string | undefined): SweepRoutes {
  const local: string[] = [];
  const groups = new Map<string, SweepGroup>();
  const own = ownIpv6Addresses();
  let shared: { route: Route; onLink: boolean } | undefined;
  const routeOf = (address: string): { route: Route; onLink: boolean } | undefined => {
    if (!isIpv6Address(address)) {
      const route = findRoute(address, iface);
      return route.loopback ? undefined : { route, onLink: route.nextHop === address };
    }
    if (own.has(address)) return undefined;
    if (!shared) {
      const route = findRoute(address, iface);
      if (route.loopback) return undefined;
      shared = { route, onLink: route.nextHop === address };
    }
    return shared.onLink ? { route: { ...shared.route, nextHop: address }, onLink: true } : shared;
  };
  for (const address of addresses) {
    const reached = routeOf(address);
    if (!reached) {
      local.push(address);
      continue;
    }
    const { route, onLink } = reached;
    const key = `${route.iface}/${onLink ? '' : route.nextHop}`;
    const group = groups.get(key) ?? { route, onLink, addresses: [] };
    group.addresses.push(address);
    groups.set(key, group);
  }
  return { local, groups: [...groups.values()] };
}
