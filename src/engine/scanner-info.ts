import { hostname, networkInterfaces, release } from 'node:os';
import { findRoute } from '../link';
import type { ScannerInfo } from '../protocol';
import { currentNetns } from '../base/netns';
import { TOOL } from '../base/version';

export { TOOL, TOOL_VERSION } from '../base/version';

function prefixLengthOf(iface: string, address: string): number | undefined {
  const cidr = networkInterfaces()[iface]?.find((a) => a.address === address)?.cidr;
  return cidr ? Number(cidr.split('/')[1]) : undefined;
}

/**
 * The scanning host as a report's Environment section shows it: name, kernel, network namespace, and
 * the interface, address, prefix, MAC and next hop it reaches `target` from (left out when there is no
 * route; the scan reports that).
 */
export function scannerInfo(target: string | undefined, iface: string | undefined): ScannerInfo {
  const info: ScannerInfo = { hostname: hostname(), kernel: release(), tool: TOOL };
  const netns = currentNetns();
  if (netns) info.netns = netns;
  if (!target) return info;
  try {
    const route = findRoute(target, iface);
    Object.assign(info, { iface: route.iface, address: route.srcIp, mac: route.srcMac });
    const prefixLength = prefixLengthOf(route.iface, route.srcIp);
    if (prefixLength !== undefined) info.prefixLength = prefixLength;
    if (!route.loopback && route.nextHop !== target) info.gateway = route.nextHop;
  } catch {
    // The scan itself reports routing problems; the environment section just stays shorter.
  }
  return info;
}
