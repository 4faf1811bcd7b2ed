import { UserError } from '../base/errors';
import { findRoute, type Route } from '../link';
import { benchmarkRangeOf } from './scope';

/**
 * Addresses in the benchmarking ranges are PortLab's lab: its namespaces and the host link `portlab lab up`
 * makes. When the lab is down, or the scan runs in a namespace the lab is not wired to, the kernel still
 * has a way there: the default route, off this machine to a network that may route those ranges anywhere.
 * So a lab address must be on-link or behind a gateway that is itself in a benchmarking range (a router
 * of a lab, as in a routed lab); any other next hop is refused before a packet is sent.
 */
export function assertLabNextHop(target: string, route: Route): void {
  const range = benchmarkRangeOf(target);
  if (range === undefined || route.loopback || route.nextHop === target || benchmarkRangeOf(route.nextHop) !== undefined) return;
  throw new UserError(
    `${target} is in ${range}, the range of PortLab's lab, but this namespace reaches it through ${route.nextHop} (${route.iface}), off this machine: is the lab up (portlab lab status)? Scan it from the lab's scanner namespace or, for its IPv4 target, through the host link`,
    'no-route',
  );
}

/** assertLabNextHop with the route the kernel would take; a target with no route at all is left to the scan's own error. */
export function assertLabRouteStaysHere(target: string, iface?: string): void {
  if (benchmarkRangeOf(target) === undefined) return;
  let route: Route;
  try {
    route = findRoute(target, iface);
  } catch {
    return;
  }
  assertLabNextHop(target, route);
}
