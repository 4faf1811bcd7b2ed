import { existsSync } from 'node:fs';
import { currentNetns } from '../base/netns';
import type { LabTopology } from './topology';
import { addVethPair, liveInterface } from './namespaces';
import { runTool } from './tools';

/** Whether the host end of lab `topo`'s host link exists: readable by anyone, no namespace entered. */
export function hostLinkPresent(topo: LabTopology): boolean {
  return existsSync(`/sys/class/net/${topo.hostLink.host.iface}`);
}

/**
 * The veth between the host namespace and the target's, its addresses, and the host's route to the
 * target's main address through it. The peer is created straight in the target namespace, whose
 * defaults keep IPv6 quiet (no DAD, no router solicitation; its nftables drops MLD reports); the host's
 * end gets IPv6 off before it is up, so that no router solicitation or DAD lands in a scan's capture.
 * The target needs no route of its own: its /30 reaches the host.
 */
export async function createHostLink(topo: LabTopology): Promise<void> {
  const { host, target, prefixLength, route } = topo.hostLink;
  // The target's second address lies inside the lab's /24: answering ARP for it on the scanner's segment
  // (Linux's default) would show the scanner a second host (`discover` found 198.18.N.130). A real VM's
  // NICs on two networks answer each for its own.
  await runTool('ip', ['netns', 'exec', target.namespace, 'sysctl', '-q', '-w', 'net.ipv4.conf.all.arp_ignore=1']);
  await addVethPair({ iface: host.iface, mac: host.mac }, target);
  if (existsSync(`/proc/sys/net/ipv6/conf/${host.iface}`)) await runTool('sysctl', ['-q', '-w', `net.ipv6.conf.${host.iface}.disable_ipv6=1`]);
  await runTool('ip', ['addr', 'add', `${host.address}/${prefixLength}`, 'dev', host.iface]);
  await runTool('ip', ['-n', target.namespace, 'addr', 'add', `${target.address}/${prefixLength}`, 'dev', target.iface]);
  await runTool('ip', ['-n', target.namespace, 'link', 'set', target.iface, 'up']);
  await runTool('ip', ['link', 'set', host.iface, 'up']);
  // Through the target's own address on the link: with arp_ignore it answers ARP only for that one.
  await runTool('ip', ['route', 'replace', route, 'via', target.address, 'dev', host.iface, 'src', host.address]);
}

/**
 * Removes the host end (and with it the peer and the route) when it is there: the target namespace's
 * deletion takes it too, but a lab torn down half-built may have lost that namespace first. True if
 * there was one to remove.
 */
export async function removeHostLink(topo: LabTopology): Promise<boolean> {
  if (!hostLinkPresent(topo)) return false;
  await runTool('ip', ['link', 'delete', topo.hostLink.host.iface]);
  return true;
}

interface IpRouteJson {
  dst?: string;
  dev?: string;
}

/** What is missing of the host link, read from the machine: both ends with their addresses, the host route. */
export async function hostLinkProblems(topo: LabTopology): Promise<string[]> {
  const { host, target, prefixLength, route } = topo.hostLink;
  const problems: string[] = [];
  const hasAddress = async (iface: string, address: string, namespace?: string) =>
    (await liveInterface(iface, namespace))?.inet.some((a) => a.address === address && a.prefixLength === prefixLength) === true;
  if (!(await hasAddress(target.iface, target.address, target.namespace)))
    problems.push(`the host link ${target.iface} in ${target.namespace} is missing or lacks ${target.address}/${prefixLength}`);
  // The host's end and route live in the host's namespace: from inside another (the scanner's, where
  // `portlab check` and scans of the lab run) they cannot be seen, and they are not this caller's way in.
  if (currentNetns() !== undefined) return problems;
  if (!(await hasAddress(host.iface, host.address))) problems.push(`the host link ${host.iface} is missing or lacks ${host.address}/${prefixLength}`);
  let routes: IpRouteJson[] = [];
  try {
    routes = JSON.parse(await runTool('ip', ['-j', 'route', 'show', route])) as IpRouteJson[];
  } catch {
    // reported below as missing
  }
  if (!routes.some((r) => r.dev === host.iface)) problems.push(`the host has no route to ${route} through ${host.iface}`);
  return problems;
}
