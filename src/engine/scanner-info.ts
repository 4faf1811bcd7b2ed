import { hostname, release } from 'node:os';
import { findRoute } from '../link';
import type { ScannerInfo } from '../protocol';

export const TOOL_VERSION = process.env.PORTLAB_VERSION ?? '0.1.0';
/** How results and reports name the tool that produced them. */
export const TOOL = `portlab ${TOOL_VERSION}`;

/**
 * The scanning host as a report's Environment section shows it: name, kernel, and the interface,
 * address and MAC it reaches `target` from (left out when there is no route; the scan reports that).
 */
export function scannerInfo(target: string | undefined, iface: string | undefined): ScannerInfo {
  const info: ScannerInfo = { hostname: hostname(), kernel: release(), tool: TOOL };
  if (!target) return info;
  try {
    const route = findRoute(target, iface);
    Object.assign(info, { iface: route.iface, address: route.srcIp, mac: route.srcMac });
  } catch {
    // The scan itself reports routing problems; the environment section just stays shorter.
  }
  return info;
}
