import type { LabDescription, LabHost, LabListener, LabPort, LabTruth } from '../protocol';
import type { Messages } from './i18n';
import { fence, table } from './markdown';
import { flowchart, type FlowNode } from './mermaid';

function filteredSummary(ports: readonly LabPort[], truth: LabTruth): string {
  return ports
    .filter((p) => p.truth === truth)
    .map((p) => `${p.protocol}/${p.port}`)
    .join(', ');
}

/** A lab host's box: its role, its interface with both addresses, its MAC, and what its firewall or responder does. */
function hostNode(lab: LabDescription, host: LabHost, m: Messages, id: string = host.role): FlowNode {
  const role = { scanner: m.scannerRole, target: m.targetRole, stateless: m.statelessRole, zombie: m.zombieRole }[host.role];
  const lines = [role, `${host.iface} ${host.address}/${host.prefixLength}`];
  if (host.address6) lines.push(`${host.address6}/${host.prefixLength6 ?? ''}`);
  lines.push(`MAC ${host.mac}`);
  const ports = host.role === 'target' ? lab.ports : (host.ports ?? []);
  for (const [truth, word] of [
    ['filtered-drop', m.firewallDrop],
    ['filtered-reject', m.firewallReject],
    ['filtered-syn', m.firewallSynOnly],
  ] as const) {
    const summary = filteredSummary(ports, truth);
    if (summary) lines.push(`nftables ${word}${m.colon}${summary}`);
  }
  if (host.randomIpIdAddress) lines.push(m.zombieIpId(host.address, host.randomIpIdAddress));
  return { id, group: host.namespace, lines };
}

/**
 * The topology of a lab: every host in its namespace, joined to the switch by its veth; a description from
 * before the switch has scanner and target only, joined by one veth.
 */
export function labTopologySection(lab: LabDescription, m: Messages): string {
  if (!lab.segment) {
    const targets = lab.hosts.filter((h) => h.role === 'target');
    const scanner = lab.hosts.filter((h) => h.role === 'scanner').map((h) => hostNode(lab, h, m));
    const nodes = [...scanner, ...targets.map((h, i) => hostNode(lab, h, m, `target${i}`))];
    const links = targets.map((_, i) => ({ from: 'scanner', to: `target${i}`, label: m.linkLabel(lab.subnet) }));
    return [`## ${m.topology}`, m.topologyLab(lab.id, lab.subnet), fence('mermaid', flowchart(nodes, links))].join('\n\n');
  }
  const nodes = lab.hosts.map((h) => hostNode(lab, h, m));
  nodes.push({ id: 'switch', group: lab.segment.namespace, lines: [m.switchRole, lab.segment.bridge] });
  const links = lab.hosts.map((h) => ({ from: h.role, to: 'switch', label: m.switchPortLabel(h.role) }));
  return [`## ${m.topology}`, m.topologySwitched(lab.id, lab.subnet, lab.subnet6, lab.hosts.length), fence('mermaid', flowchart(nodes, links))].join('\n\n');
}

/** Whether a listener serves the target: every listener of a description from before the other hosts did. */
export function servesTarget(lab: LabDescription, listener: LabListener): boolean {
  const target = lab.hosts.find((h) => h.role === 'target');
  return listener.addresses === undefined || (target !== undefined && listener.addresses.includes(target.address));
}

function listenerTable(listeners: readonly LabListener[], m: Messages): string {
  return table(
    [m.simulationPort, m.simulationProtocol, m.listenerProgram, m.listenerPid],
    [...listeners]
      .sort((a, b) => a.protocol.localeCompare(b.protocol) || (a.port ?? 0) - (b.port ?? 0))
      .map((l) => [l.port === undefined ? m.unknown : String(l.port), l.protocol, l.program, String(l.pid)]),
  );
}

/** The target's listeners, as the table of the simulation section lists them. */
export function targetListenerTable(lab: LabDescription, m: Messages): string | undefined {
  const listeners = lab.listeners.filter((l) => servesTarget(lab, l));
  return listeners.length ? listenerTable(listeners, m) : undefined;
}

/**
 * How the other hosts were made: the stateless host's ports (each with its truth, how and rule, as the
 * target's), the zombie's responder, each one's listeners and ruleset. `portRows` renders port rows as
 * the target's table does.
 */
export function otherLabHostsParts(
  lab: LabDescription,
  m: Messages,
  portRows: (ports: readonly LabPort[], address: string, host: 'stateless') => string,
): string[] {
  const parts: string[] = [];
  for (const host of lab.hosts) {
    if (host.role === 'stateless')
      parts.push(`### ${m.statelessHeading(host.address)}`, m.statelessIntro, portRows(host.ports ?? [], host.address, 'stateless'));
    else if (host.role === 'zombie')
      parts.push(`### ${m.zombieHeading(host.address)}`, m.zombieIntro(host.address, host.randomIpIdAddress ?? m.unknown, host.address6));
    else continue;
    const listeners = lab.listeners.filter((l) => l.addresses?.includes(host.address));
    if (listeners.length) parts.push(`#### ${m.hostListeners}`, listenerTable(listeners, m));
    if (host.ruleset) parts.push(`#### ${m.hostRuleset}`, fence('nft', host.ruleset.trimEnd()));
  }
  return parts;
}
