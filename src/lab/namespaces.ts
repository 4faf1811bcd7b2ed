import { existsSync } from 'node:fs';
import type { LabHost } from '../protocol';
import { LAB_PREFIX_LENGTH, LAB_PREFIX_LENGTH6, labEnds, switchPort, type LabEnd, type LabTopology } from './topology';
import { runTool } from './tools';

/** The names in `ip netns list` (its lines look like "portlab0-target (id: 1)"). */
export async function listNamespaces(): Promise<string[]> {
  const out = await runTool('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

interface VethEnd {
  iface: string;
  mac: string;
}

/**
 * One veth pair: `near` where the command runs (in `near.namespace`, or the host's own namespace when
 * it has none), `far` created straight in its namespace, each with the lab's fixed MAC.
 */
export async function addVethPair(near: VethEnd & { namespace?: string }, far: VethEnd & { namespace: string }): Promise<void> {
  const where = near.namespace ? ['-n', near.namespace] : [];
  await runTool('ip', [
    ...where,
    'link',
    'add',
    near.iface,
    'address',
    near.mac,
    'type',
    'veth',
    'peer',
    'name',
    far.iface,
    'netns',
    far.namespace,
    'address',
    far.mac,
  ]);
}

/** Runs `ip` commands (one a line, without "ip") inside `namespace` in one process: far fewer forks. */
function ipBatch(namespace: string, commands: readonly string[]): Promise<string> {
  return runTool('ip', ['-n', namespace, '-batch', '-'], `${commands.join('\n')}\n`);
}

function sysctls(namespace: string, settings: readonly string[]): Promise<string> {
  return runTool('ip', ['netns', 'exec', namespace, 'sysctl', '-q', '-w', ...settings]);
}

/**
 * IPv6 on, and silent: no duplicate address detection, no router solicitation, no router advertisement
 * or address autoconfiguration taken from the wire. Set on "default" before any interface exists, so every
 * interface of the namespace starts that way. (MLD reports are kept off the wire by each host's nftables.)
 */
const QUIET_IPV6 = ['accept_dad=0', 'accept_ra=0', 'router_solicitations=0', 'autoconf=0'].flatMap((s) => [
  `net.ipv6.conf.all.${s}`,
  `net.ipv6.conf.default.${s}`,
]);

/**
 * The switch: a bridge that forwards at once (no STP, so no listening/learning delay), floods multicast
 * as a hub would (no snooping), hands nothing to netfilter (br_netfilter, when loaded, would otherwise
 * pass bridged frames through a firewall of the switch), and has no IPv6 of its own to chatter with.
 */
async function createSwitch(topo: LabTopology): Promise<void> {
  const { namespace, bridge } = topo.segment;
  await runTool('ip', ['netns', 'add', namespace]);
  const quiet = ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'];
  if (existsSync('/proc/sys/net/bridge'))
    quiet.push('net.bridge.bridge-nf-call-iptables=0', 'net.bridge.bridge-nf-call-ip6tables=0', 'net.bridge.bridge-nf-call-arptables=0');
  await sysctls(namespace, quiet);
  await runTool('ip', [
    '-n',
    namespace,
    'link',
    'add',
    bridge,
    'type',
    'bridge',
    'stp_state',
    '0',
    'forward_delay',
    '0',
    'mcast_snooping',
    '0',
    'nf_call_iptables',
    '0',
    'nf_call_ip6tables',
    '0',
    'nf_call_arptables',
    '0',
  ]);
}

/**
 * The lab's segment: the switch namespace with its bridge, and each host namespace with its veth to a
 * bridge port, its addresses and its firewall (`rulesets`, by namespace). The firewall is loaded before
 * any interface comes up, so that the MLD reports of the first moments are dropped too. Interfaces are
 * created from the switch's side with the peer sent straight to the host, so no interface ever appears in
 * the host namespace.
 */
export async function createSegment(topo: LabTopology, rulesets: ReadonlyMap<string, string>): Promise<void> {
  await createSwitch(topo);
  const ends = labEnds(topo);
  for (const end of ends) {
    await runTool('ip', ['netns', 'add', end.namespace]);
    await sysctls(end.namespace, QUIET_IPV6);
    const ruleset = rulesets.get(end.namespace);
    if (ruleset !== undefined) await runTool('ip', ['netns', 'exec', end.namespace, 'nft', '-f', '-'], ruleset);
    const port = switchPort(topo, end);
    await addVethPair({ namespace: topo.segment.namespace, ...port }, end);
  }
  await ipBatch(topo.segment.namespace, [
    ...ends.flatMap((end) => [`link set ${switchPort(topo, end).iface} master ${topo.segment.bridge}`, `link set ${switchPort(topo, end).iface} up`]),
    `link set ${topo.segment.bridge} up`,
  ]);
  for (const end of ends) {
    const addresses = [`${end.address}/${LAB_PREFIX_LENGTH}`, ...(end.role === 'zombie' ? [`${topo.zombie.randomIpIdAddress}/${LAB_PREFIX_LENGTH}`] : [])];
    await ipBatch(end.namespace, [
      ...addresses.map((a) => `addr add ${a} dev ${end.iface}`),
      `addr add ${end.address6}/${LAB_PREFIX_LENGTH6} dev ${end.iface} nodad`,
      `link set ${end.iface} up`,
      'link set lo up',
    ]);
  }
}

/** Deleting a namespace whose processes are gone also deletes its end of the veth, and with it the peer. */
export async function deleteNamespace(name: string): Promise<void> {
  await runTool('ip', ['netns', 'delete', name]);
}

export async function namespacePids(name: string): Promise<number[]> {
  const out = await runTool('ip', ['netns', 'pids', name]);
  return out
    .split('\n')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

interface IpAddrJson {
  ifindex?: number;
  ifname?: string;
  address?: string;
  operstate?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string }[];
}

interface Inet {
  address: string;
  prefixLength: number;
}

/** An interface as `ip -j addr` reports it: its index, MAC, IPv4 addresses and global IPv6 ones, in the order ip lists them. */
export interface LiveInterface {
  ifindex?: number;
  mac?: string;
  inet: Inet[];
  inet6: Inet[];
}

function addressesOf(link: IpAddrJson, family: 'inet' | 'inet6'): Inet[] {
  return (link.addr_info ?? []).flatMap((a) =>
    a.family === family && a.local && a.prefixlen !== undefined && (family === 'inet' || a.scope === 'global')
      ? [{ address: a.local, prefixLength: a.prefixlen }]
      : [],
  );
}

/** Interface `iface` of `namespace` (the caller's own when absent), read with `ip -j addr`; undefined when it is missing. */
export async function liveInterface(iface: string, namespace?: string): Promise<LiveInterface | undefined> {
  let links: IpAddrJson[];
  try {
    links = JSON.parse(await runTool('ip', [...(namespace === undefined ? [] : ['-n', namespace]), '-j', 'addr', 'show', 'dev', iface])) as IpAddrJson[];
  } catch {
    return undefined;
  }
  const link = links[0];
  if (!link) return undefined;
  return {
    ...(link.ifindex !== undefined ? { ifindex: link.ifindex } : {}),
    ...(link.address ? { mac: link.address } : {}),
    inet: addressesOf(link, 'inet'),
    inet6: addressesOf(link, 'inet6'),
  };
}

/**
 * The live addresses and MAC of one end, as `ip -j addr` reports them; undefined when the interface is
 * missing or has no IPv4 address. The IPv6 address and the zombie's second address appear only when they
 * are there (a problem for describeLab to name, not a reason to drop the host).
 */
export async function liveHost(end: LabEnd, randomIpIdAddress?: string): Promise<LabHost | undefined> {
  const live = await liveInterface(end.iface, end.namespace);
  const inet = live?.inet[0];
  if (!live?.mac || !inet) return undefined;
  const inet6 = live.inet6.find((a) => a.address === end.address6) ?? live.inet6[0];
  return {
    role: end.role,
    namespace: end.namespace,
    iface: end.iface,
    address: inet.address,
    prefixLength: inet.prefixLength,
    mac: live.mac,
    ...(inet6 ? { address6: inet6.address, prefixLength6: inet6.prefixLength } : {}),
    ...(randomIpIdAddress !== undefined && live.inet.some((a) => a.address === randomIpIdAddress) ? { randomIpIdAddress } : {}),
  };
}

interface IpLinkJson {
  ifname?: string;
  operstate?: string;
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: { stp_state?: number; forward_delay?: number } };
}

/** What is missing of the switch: its bridge (up, forwarding at once) and a port per host, each up. */
export async function switchProblems(topo: LabTopology): Promise<string[]> {
  const { namespace, bridge } = topo.segment;
  let links: IpLinkJson[];
  try {
    links = JSON.parse(await runTool('ip', ['-n', namespace, '-d', '-j', 'link', 'show'])) as IpLinkJson[];
  } catch {
    return [`the switch namespace ${namespace} cannot be read`];
  }
  const problems: string[] = [];
  const br = links.find((l) => l.ifname === bridge);
  if (br?.linkinfo?.info_kind !== 'bridge') problems.push(`the switch has no bridge ${bridge}`);
  else if (br.linkinfo.info_data?.stp_state !== 0 || br.linkinfo.info_data.forward_delay !== 0)
    problems.push(
      `the bridge ${bridge} runs STP or waits to forward (stp_state ${br.linkinfo.info_data?.stp_state}, forward_delay ${br.linkinfo.info_data?.forward_delay})`,
    );
  for (const end of labEnds(topo)) {
    const { iface } = switchPort(topo, end);
    const port = links.find((l) => l.ifname === iface);
    if (port?.master !== bridge || port.operstate === 'DOWN')
      problems.push(`the switch port ${iface} (to ${end.namespace}) is missing, down or not on ${bridge}`);
  }
  return problems;
}
