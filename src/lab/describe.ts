import type { LabDescription, LabHost, LabListener } from '../protocol';
import { filterRule, NFT_TABLE } from './firewall';
import { hostLinkProblems } from './host-link';
import { liveHost, listNamespaces } from './namespaces';
import { cmdlineOf, isAlive, namespaceListeningPorts, sameArgv } from './processes';
import { readLabState } from './state';
import { LAB_PREFIX_LENGTH, labTopology, type LabEnd, type LabTopology } from './topology';
import { runTool } from './tools';
import { LAB_TRUTH, labPorts } from './truth';

/**
 * The sysctls of the target that change what a scan sees: how often, and for which ICMP types, it
 * answers errors, and that it answers ARP only for the address of the link asked on.
 */
export const TARGET_SYSCTLS = ['net.ipv4.icmp_ratelimit', 'net.ipv4.icmp_ratemask', 'net.ipv4.conf.all.arp_ignore'] as const;

function plannedHost(end: LabEnd): LabHost {
  return { role: end.role, namespace: end.namespace, iface: end.iface, address: end.address, prefixLength: LAB_PREFIX_LENGTH, mac: end.mac };
}

/** What lab `id` would look like: the description of a lab that is down. */
export function plannedDescription(topo: LabTopology): LabDescription {
  return {
    id: topo.id,
    up: false,
    subnet: topo.subnet,
    hosts: [plannedHost(topo.scanner), plannedHost(topo.target)],
    hostLink: topo.hostLink,
    ports: labPorts(topo.target.address),
    listeners: [],
    ruleset: '',
    sysctls: {},
  };
}

/** Parses `sysctl name…` output ("name = value" lines). */
export function parseSysctls(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

export async function targetSysctls(topo: LabTopology): Promise<Record<string, string>> {
  return parseSysctls(await runTool('ip', ['netns', 'exec', topo.target.namespace, 'sysctl', ...TARGET_SYSCTLS]));
}

export async function targetRuleset(topo: LabTopology): Promise<string> {
  return runTool('ip', ['netns', 'exec', topo.target.namespace, 'nft', 'list', 'ruleset']);
}

/**
 * The live lab, read from the machine rather than assumed: the namespaces, the addresses and MACs on
 * the veth, the host link, the services (alive, still what we started, their sockets listening), the target's
 * ruleset and sysctls. `up` is true only if every part is there; `problems` says what is missing.
 */
export async function describeLab(id: number): Promise<LabDescription> {
  const topo = labTopology(id);
  const planned = plannedDescription(topo);
  const namespaces = new Set(await listNamespaces());
  const state = readLabState(id);
  const present = [topo.scanner, topo.target].filter((e) => namespaces.has(e.namespace));
  if (present.length === 0 && !state) return planned;

  const problems: string[] = [];
  for (const end of [topo.scanner, topo.target]) if (!namespaces.has(end.namespace)) problems.push(`namespace ${end.namespace} is missing`);

  const hosts: LabHost[] = [];
  for (const end of [topo.scanner, topo.target]) {
    const live = namespaces.has(end.namespace) ? await liveHost(end) : undefined;
    if (namespaces.has(end.namespace) && !live) problems.push(`${end.iface} in ${end.namespace} is missing or has no IPv4 address`);
    hosts.push(live ?? plannedHost(end));
  }
  if (namespaces.has(topo.target.namespace)) problems.push(...(await hostLinkProblems(topo)));

  const listeners: LabListener[] = [];
  if (!state) problems.push('the state file is missing: the lab was not started by labUp or is half torn down');
  for (const service of state?.services ?? []) {
    if (!isAlive(service.pid) || !sameArgv(cmdlineOf(service.pid), service.argv)) {
      problems.push(`${service.program} (pid ${service.pid}) is not running`);
      continue;
    }
    for (const socket of service.sockets) {
      if (namespaceListeningPorts(service.pid, socket.protocol).has(socket.port))
        listeners.push({ protocol: socket.protocol, port: socket.port, program: service.program, pid: service.pid });
      else problems.push(`${service.program} (pid ${service.pid}) does not listen on ${socket.protocol}/${socket.port}`);
    }
  }

  let ruleset = '';
  let sysctls: Record<string, string> = {};
  if (namespaces.has(topo.target.namespace)) {
    ruleset = await targetRuleset(topo);
    sysctls = await targetSysctls(topo);
    // The host link's address lies inside the lab's /24: without arp_ignore the target answers ARP for
    // it on the scanner's segment too, and `discover` finds a second host there (198.18.N.130).
    if (sysctls['net.ipv4.conf.all.arp_ignore'] !== '1')
      problems.push(
        `the target's net.ipv4.conf.all.arp_ignore is ${sysctls['net.ipv4.conf.all.arp_ignore'] ?? 'unreadable'}, not 1: it answers ARP for ${topo.hostLink.target.address} on the scanner's segment`,
      );
    const lines = new Set(ruleset.split('\n').map((l) => l.trim()));
    if (!ruleset.includes(`table ip ${NFT_TABLE} {`)) problems.push(`the target has no nftables table ip ${NFT_TABLE}`);
    for (const port of LAB_TRUTH) {
      const rule = filterRule(port);
      if (rule && !lines.has(rule)) problems.push(`the target's ruleset lacks the rule for ${port.protocol}/${port.port}: ${rule}`);
    }
  }

  return { ...planned, up: problems.length === 0, hosts, listeners, ruleset, sysctls, ...(problems.length ? { problems } : {}) };
}
