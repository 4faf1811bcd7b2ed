import { LiveCapture } from './capture';
import { findRoute, type Route } from './route';

const CONNECT_RING_BYTES = 4 * 1024 * 1024;

/**
 * Captures the kernel's TCP packets to and from a target during a connect scan, and ICMP errors to
 * us (a reject rule's admin-prohibited), which connect() only reports as EHOSTUNREACH. Needs CAP_NET_RAW.
 */
export function captureConnectTraffic(
  target: string,
  ifaceOverride: string | undefined,
  onFrame: (frame: Uint8Array, capturedAt: number) => void,
): { route: Route; capture: LiveCapture } {
  const route = findRoute(target, ifaceOverride);
  // About 2000 MTU-sized frames: a connect scan starts CONNECT_BURST connects per turn, each 2-6 frames.
  return {
    route,
    capture: new LiveCapture(route.iface, `(tcp and host ${target}) or (icmp and dst host ${route.srcIp})`, onFrame, undefined, CONNECT_RING_BYTES),
  };
}
