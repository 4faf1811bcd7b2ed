import type { UserError } from '../base/errors';
import { canonicalIpv6, isIpv6Address } from '../wire';
import { LiveCapture } from './capture';
import { findRoute, type Route } from './route';

/**
 * Captures the kernel's TCP packets to and from a target during a connect scan, and ICMP (IPv6: ICMPv6)
 * errors to us (a reject rule's admin-prohibited), which connect() only reports as EHOSTUNREACH or
 * EACCES. Needs CAP_NET_RAW. `onLost` is called once when the interface goes down or vanishes.
 */
export async function captureConnectTraffic(
  target: string,
  ifaceOverride: string | undefined,
  onFrame: (frame: Uint8Array, capturedAt: number) => void,
  onLost: (err: UserError) => void,
): Promise<{ route: Route; capture: LiveCapture }> {
  const route = findRoute(target, ifaceOverride);
  return {
    route,
    // The raw scans' ring (1 MiB) suffices: the receive thread empties it every millisecond, and the kernel's 2–4
    // frames per port at the connect engine's pace (~600,000 a second on the bench's veth) take ~12 ms to fill it.
    // Over 65,535 ports neither lost a frame; the 4 MiB ring this capture had cost ~2 MB more of peak RSS.
    capture: await LiveCapture.open(route.iface, connectFilter(target, route), onFrame, onLost),
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
