import { LiveCapture } from './capture';
import { findRoute, type Route } from './route';

const CONNECT_RING_BYTES = 8 * 1024 * 1024;

/**
 * Captures the kernel's TCP packets to and from a target during a connect scan, and ICMP errors to
 * us (a reject rule's admin-prohibited), which connect() only reports as EHOSTUNREACH. Needs CAP_NET_RAW.
 */
export function captureConnectTraffic(target: string, ifaceOverride: string | undefined, onFrame: (frame: Uint8Array) => void): { route: Route; capture: LiveCapture } {
  const route = findRoute(target, ifaceOverride);
  // 8 MiB (127 frames of 64 KiB): a connect scan starts 16 connects per turn, each 2-6 frames.
  return { route, capture: new LiveCapture(route.iface, `(tcp and host ${target}) or (icmp and dst host ${route.srcIp})`, onFrame, undefined, CONNECT_RING_BYTES) };
}
