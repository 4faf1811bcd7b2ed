import { isIPv4 } from 'node:net';
import { UserError } from '../base/errors';
import { LiveCapture } from './capture';
import { findRoute, type Route } from './route';

/**
 * Captures everything a program we do not control exchanges with one target: its TCP, UDP and ICMP
 * to and from the target, and ICMP errors sent to us (from a router on the way too). Needs CAP_NET_RAW.
 */
export async function captureTargetTraffic(
  target: string,
  onFrame: (frame: Uint8Array, capturedAt: number) => void,
): Promise<{ route: Route; capture: LiveCapture }> {
  const route = findRoute(target);
  // libpcap compiles the filter as given: only addresses that parse as IPv4 go into it.
  if (!isIPv4(target) || !isIPv4(route.srcIp)) throw new UserError(`cannot capture the traffic of ${target}: not an IPv4 target with an IPv4 route`);
  return { route, capture: await LiveCapture.open(route.iface, `((tcp or udp or icmp) and host ${target}) or (icmp and dst host ${route.srcIp})`, onFrame) };
}
