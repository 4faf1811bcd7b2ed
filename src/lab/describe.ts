import type { LabDescription, LabHost, LabListener } from '../protocol';
import { filterRule, MLD_QUIET_RULE, NFT_TABLE_HEADER, zombieRule, zombieRule6 } from './firewall';
import { hostLinkProblems } from './host-link';
import { liveHost, liveInterface, listNamespaces, switchProblems } from './namespaces';
import { cmdlineOf, isAlive, namespaceListeningPorts, packetSocketInterfaces, sameArgv } from './processes';
import { readLabState, type LabService } from './state';
import { LAB_PREFIX_LENGTH, LAB_PREFIX_LENGTH6, labEnds, labNamespaces, labTopology, type LabEnd, type LabTopology } from './topology';
import { runTool } from './tools';
import { LAB_TRUTH, labPorts, STATELESS_TRUTH, statelessPorts, type LabPortTruth } from './truth';

/**
 * The sysctls of the target that change what a scan sees: how often, and for which ICMP types, it
 * answers errors (over IPv4 and IPv6), and that it answers ARP only for the address of the link asked on.
 */
export const TARGET_SYSCTLS = ['net.ipv4.icmp_ratelimit', 'net.ipv4.icmp_ratemask', 'net.ipv6.icmp.ratelimit', 'net.ipv4.conf.all.arp_ignore'] as const;

function statelessHow(topo: LabTopology): string {
  return `a host behind a stateless firewall: its nftables rules keep no connection state (no ct), so each segment is judged by its flags alone; ${topo.stateless.address}:80 drops connection openings (SYN without ACK) while every other segment reaches the listener, so a SYN scan shows 80 filtered and an ACK scan shows it unfiltered`;
}

function zombieHow(topo: LabTopology): string {
  const { address, randomIpIdAddress } = topo.zombie;
  return `an idle scan's zombie: portlab lab zombie answers every TCP segment to ${address} and ${randomIpIdAddress} from a raw socket on ${topo.zombie.iface} as an old stack would (SYN → RST/ACK, SYN/ACK or ACK → RST), with one IP ID counter for every destination: +1 per packet on ${address} (a usable zombie), random on ${randomIpIdAddress} (a zombie an idle scan refuses); the kernel's own TCP there is dropped by nftables (${zombieRule(topo)}), because Linux's IP ID is per destination; on ${topo.zombie.address6} it answers as an old IPv6 stack: once a peer sent a Packet Too Big below 1280, every answer to that peer is an atomic fragment whose fragment ID comes from one 32-bit counter for every peer (${zombieRule6(topo)})`;
}

/** What a host looks like when planned: its addresses and MAC, and for the stateless host and the zombie what they are. */
function plannedHost(topo: LabTopology, end: LabEnd): LabHost {
  const host: LabHost = {
    role: end.role,
    namespace: end.namespace,
    iface: end.iface,
    address: end.address,
    prefixLength: LAB_PREFIX_LENGTH,
    mac: end.mac,
    address6: end.address6,
    prefixLength6: LAB_PREFIX_LENGTH6,
  };
  if (end.role === 'stateless') return { ...host, how: statelessHow(topo), ports: statelessPorts(end.address, end.address6) };
  if (end.role === 'zombie') return { ...host, randomIpIdAddress: topo.zombie.randomIpIdAddress, how: zombieHow(topo) };
  return host;
}

/** What lab `id` would look like: the description of a lab that is down. */
export function plannedDescription(topo: LabTopology): LabDescription {
  return {
    id: topo.id,
    up: false,
    subnet: topo.subnet,
    subnet6: topo.subnet6,
    segment: topo.segment,
    hosts: labEnds(topo).map((end) => plannedHost(topo, end)),
    hostLink: topo.hostLink,
    ports: labPorts(topo.target.address, topo.target.address6),
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

/** `nft list ruleset` of a lab host's namespace, verbatim. */
export async function hostRulesetOf(end: LabEnd): Promise<string> {
  return runTool('ip', ['netns', 'exec', end.namespace, 'nft', 'list', 'ruleset']);
}

/** The rules a host's live ruleset must hold, each line as nft lists it. */
function requiredRules(topo: LabTopology, end: LabEnd): string[] {
  const portRules = (truths: readonly LabPortTruth[]) => truths.map(filterRule).filter((r): r is string => r !== undefined);
  const rules =
    end.role === 'target'
      ? portRules(LAB_TRUTH)
      : end.role === 'stateless'
        ? portRules(STATELESS_TRUTH)
        : end.role === 'zombie'
          ? [zombieRule(topo), zombieRule6(topo)]
          : [];
  return [...rules, MLD_QUIET_RULE];
}

function rulesetProblems(topo: LabTopology, end: LabEnd, ruleset: string): string[] {
  const who = end.role === 'target' ? 'the target' : `the ${end.role}`;
  if (!ruleset.includes(NFT_TABLE_HEADER)) return [`${who} has no nftables ${NFT_TABLE_HEADER.slice(0, -2)}`];
  const lines = new Set(ruleset.split('\n').map((l) => l.trim()));
  return requiredRules(topo, end)
    .filter((rule) => !lines.has(rule))
    .map((rule) => `${who}'s ruleset lacks the rule: ${rule}`);
}

/** What is wrong with a live host's addresses: its IPv6 address, the zombie's second address. */
function addressProblems(end: LabEnd, live: LabHost, topo: LabTopology): string[] {
  const problems: string[] = [];
  if (live.address6 !== end.address6) problems.push(`${end.iface} in ${end.namespace} lacks ${end.address6}/${LAB_PREFIX_LENGTH6}`);
  if (end.role === 'zombie' && live.randomIpIdAddress !== topo.zombie.randomIpIdAddress)
    problems.push(`${end.iface} in ${end.namespace} lacks ${topo.zombie.randomIpIdAddress}/${LAB_PREFIX_LENGTH}`);
  return problems;
}

/** The listeners a running service shows, and what it lacks: a socket that does not listen, a responder without its packet socket. */
async function serviceListeners(topo: LabTopology, service: LabService): Promise<{ listeners: LabListener[]; problems: string[] }> {
  const listeners: LabListener[] = [];
  const problems: string[] = [];
  const base = { program: service.program, pid: service.pid, addresses: service.addresses };
  const seen = new Set<string>();
  for (const socket of service.sockets) {
    if (!namespaceListeningPorts(service.pid, socket.protocol, socket.ipVersion).has(socket.port)) {
      problems.push(`${service.program} (pid ${service.pid}) does not listen on ${socket.protocol}/${socket.port} over IPv${socket.ipVersion}`);
      continue;
    }
    const key = `${socket.protocol}/${socket.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    listeners.push({ protocol: socket.protocol, port: socket.port, ...base });
  }
  if (service.packetIface !== undefined) {
    const end = labEnds(topo).find((e) => e.iface === service.packetIface);
    const ifindex = end && (await liveInterface(end.iface, end.namespace))?.ifindex;
    if (ifindex !== undefined && packetSocketInterfaces(service.pid).has(ifindex)) listeners.push({ protocol: 'tcp', ...base });
    else problems.push(`${service.program} (pid ${service.pid}) holds no packet socket on ${service.packetIface}`);
  }
  return { listeners, problems };
}

/**
 * The live lab, read from the machine rather than assumed: the namespaces, the switch, the addresses and
 * MACs of each host, the host link, the services (alive, still what we started, their sockets listening),
 * each host's ruleset and the target's sysctls. `up` is true only if every part is there; `problems` says
 * what is missing.
 */
export async function describeLab(id: number): Promise<LabDescription> {
  const topo = labTopology(id);
  const planned = plannedDescription(topo);
  const namespaces = new Set(await listNamespaces());
  const state = readLabState(id);
  if (!labNamespaces(topo).some((ns) => namespaces.has(ns)) && !state) return planned;

  const problems: string[] = [];
  for (const ns of labNamespaces(topo)) if (!namespaces.has(ns)) problems.push(`namespace ${ns} is missing`);
  if (namespaces.has(topo.segment.namespace)) problems.push(...(await switchProblems(topo)));

  const hosts: LabHost[] = [];
  let ruleset = '';
  for (const end of labEnds(topo)) {
    const plan = plannedHost(topo, end);
    if (!namespaces.has(end.namespace)) {
      hosts.push(plan);
      continue;
    }
    const live = await liveHost(end, end.role === 'zombie' ? topo.zombie.randomIpIdAddress : undefined);
    if (!live) problems.push(`${end.iface} in ${end.namespace} is missing or has no IPv4 address`);
    else problems.push(...addressProblems(end, live, topo));
    const hostRuleset = await hostRulesetOf(end);
    problems.push(...rulesetProblems(topo, end, hostRuleset));
    if (end.role === 'target') ruleset = hostRuleset;
    const { ports, how } = plan;
    hosts.push({ ...(live ?? plan), ...(how ? { how } : {}), ...(ports ? { ports } : {}), ...(end.role === 'target' ? {} : { ruleset: hostRuleset }) });
  }
  if (namespaces.has(topo.target.namespace)) problems.push(...(await hostLinkProblems(topo)));

  const listeners: LabListener[] = [];
  if (!state) problems.push('the state file is missing: the lab was not started by labUp or is half torn down');
  for (const service of state?.services ?? []) {
    if (!isAlive(service.pid) || !sameArgv(cmdlineOf(service.pid), service.argv)) {
      problems.push(`${service.program} (pid ${service.pid}) is not running`);
      continue;
    }
    const found = await serviceListeners(topo, service);
    listeners.push(...found.listeners);
    problems.push(...found.problems);
  }

  let sysctls: Record<string, string> = {};
  if (namespaces.has(topo.target.namespace)) {
    sysctls = await targetSysctls(topo);
    // The host link's address lies inside the lab's /24: without arp_ignore the target answers ARP for
    // it on the scanner's segment too, and `discover` finds a second host there (198.18.N.130).
    if (sysctls['net.ipv4.conf.all.arp_ignore'] !== '1')
      problems.push(
        `the target's net.ipv4.conf.all.arp_ignore is ${sysctls['net.ipv4.conf.all.arp_ignore'] ?? 'unreadable'}, not 1: it answers ARP for ${topo.hostLink.target.address} on the scanner's segment`,
      );
  }

  return { ...planned, up: problems.length === 0, hosts, listeners, ruleset, sysctls, ...(problems.length ? { problems } : {}) };
}
