import type { UserError } from '../base/errors';
import { canonicalIpv6, isIpv6Address } from '../wire';
import { LiveCapture } from './capture';
import { findRoute, type Route } from './route';

const CONNECT_RING_BYTES = 4 * 1024 * 1024;

/**
 * Captures the kernel's TCP packets to and from a target during a connect scan, and ICMP (IPv6: ICMPv6)
 * errors to us (a reject rule's admin-prohibited), which connect() only reports as EHOSTUNREACH or
 * EACCES. Needs CAP_NET_RAW. `onLost` is called once when the interface goes down or vanishes.
 */
export function captureConnectTraffic(
  target: string,
  ifaceOverride: string | undefined,
  onFrame: (frame: Uint8Array, capturedAt: number) => void,
  onLost: (err: UserError) => void,
): { route: Route; capture: LiveCapture } {
  const route = findRoute(target, ifaceOverride);
  return {
    route,
    capture: new LiveCapture(route.iface, connectFilter(target, route), onFrame, onLost, CONNECT_RING_BYTES),
  };
}

/**
 * The libpcap filter of a connect scan's capture. Over IPv6 only ICMPv6 errors (types below 128) are let
 * through: the neighbour discovery every IPv6 link carries to us would otherwise fill the ring.
 */
function connectFilter(target: string, route: Route): string {
  return !isIpv6Address(target)
    ? `(tcp and host ${target}) or (icmp and dst host ${route.srcIp})`
    : `(tcp and host ${canonicalIpv6(target)}) or (icmp6 and ip6[40] < 128 and dst host ${route.srcIp})`;
}
