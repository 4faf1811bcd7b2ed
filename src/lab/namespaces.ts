import { existsSync } from 'node:fs';
import type { LabHost } from '../protocol';
import { LAB_PREFIX_LENGTH, type LabEnd, type LabTopology } from './topology';
import { runTool } from './tools';

/** The names in `ip netns list` (its lines look like "portlab0-target (id: 1)"). */
export async function listNamespaces(): Promise<string[]> {
  const out = await runTool('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/**
 * Both namespaces and the veth between them. The veth is created inside the scanner namespace with
 * its peer sent straight to the target, so no interface ever appears in the host namespace.
 */
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

export async function createNamespaces(topo: LabTopology): Promise<void> {
  const { scanner, target } = topo;
  for (const end of [scanner, target]) {
    await runTool('ip', ['netns', 'add', end.namespace]);
    // Without this the new veth sends IPv6 DAD, router solicitations and MLD reports for seconds after
    // up, and they would land in every capture of the first scan. Set inside the lab's namespaces only.
    if (existsSync('/proc/sys/net/ipv6'))
      await runTool('ip', ['netns', 'exec', end.namespace, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  }
  await addVethPair(scanner, target);
  for (const end of [scanner, target]) {
    await runTool('ip', ['-n', end.namespace, 'addr', 'add', `${end.address}/${LAB_PREFIX_LENGTH}`, 'dev', end.iface]);
    await runTool('ip', ['-n', end.namespace, 'link', 'set', end.iface, 'up']);
    await runTool('ip', ['-n', end.namespace, 'link', 'set', 'lo', 'up']);
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
  ifname?: string;
  address?: string;
  operstate?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/** An interface as `ip -j addr` reports it: its MAC and its IPv4 addresses, in the order ip lists them. */
export interface LiveInterface {
  mac?: string;
  inet: { address: string; prefixLength: number }[];
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
  const inet = (link.addr_info ?? []).flatMap((a) =>
    a.family === 'inet' && a.local && a.prefixlen !== undefined ? [{ address: a.local, prefixLength: a.prefixlen }] : [],
  );
  return { ...(link.address ? { mac: link.address } : {}), inet };
}

/** The live address and MAC of one end, as `ip -j addr` reports them; undefined when the interface is missing. */
export async function liveHost(end: LabEnd): Promise<LabHost | undefined> {
  const live = await liveInterface(end.iface, end.namespace);
  const inet = live?.inet[0];
  if (!live?.mac || !inet) return undefined;
  return { role: end.role, namespace: end.namespace, iface: end.iface, address: inet.address, prefixLength: inet.prefixLength, mac: live.mac };
}
