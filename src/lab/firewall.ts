import type { LabTruth, Protocol } from '../protocol';
import type { LabTopology } from './topology';

export const NFT_TABLE = 'portlab';
/** One table for both families: each port rule holds over IPv4 and IPv6 alike. */
export const NFT_TABLE_HEADER = `table inet ${NFT_TABLE} {`;

interface FilteredPort {
  port: number;
  protocol: Protocol;
  truth: LabTruth;
}

/**
 * The nftables rule for a filtered port, written exactly as `nft list ruleset` (nftables 1.0.6) prints it,
 * so the line the report quotes is the line in the live ruleset. Open and closed ports get no rule. None
 * tracks connections: 'filtered-syn' tests the flags of each segment alone, which is what makes an ACK
 * scan see such a port unfiltered while a SYN scan sees it filtered.
 */
export function filterRule({ port, protocol, truth }: FilteredPort): string | undefined {
  if (truth === 'filtered-drop') return `${protocol} dport ${port} drop`;
  // icmpx: ICMP 3/13 to an IPv4 probe, ICMPv6 1/1 to an IPv6 one.
  if (truth === 'filtered-reject') return `${protocol} dport ${port} reject with icmpx admin-prohibited`;
  // "tcp flags & (syn | ack) == syn" as nft lists it: SYN set, ACK clear.
  if (truth === 'filtered-syn') return `tcp dport ${port} tcp flags syn / syn,ack drop`;
  return undefined;
}

/**
 * Linux reports every multicast group an IPv6 address joins (MLD), on each link up, for seconds; no sysctl
 * stops the first reports. Dropped on their way out of every lab host, they stay out of every capture.
 */
export const MLD_QUIET_RULE = 'icmpv6 type { mld-listener-report, mld-listener-done, mld2-listener-report } drop comment "keep MLD reports out of captures"';

/**
 * The zombie's kernel must not answer TCP to the zombie's addresses: its IP IDs are per destination, and
 * its RSTs would double the responder's. The responder reads frames before netfilter, so it still sees them.
 */
export function zombieRule(topo: LabTopology): string {
  return `ip daddr { ${topo.zombie.address}, ${topo.zombie.randomIpIdAddress} } ip protocol tcp drop comment "portlab lab zombie answers TCP here"`;
}

/** The same over IPv6: the responder answers there as an old IPv6 stack, atomic fragments and all; Linux's RSTs carry no fragment ID. */
export function zombieRule6(topo: LabTopology): string {
  return `ip6 daddr ${topo.zombie.address6} meta l4proto tcp drop comment "portlab lab zombie answers TCP here"`;
}

function chain(hook: 'input' | 'output', rules: readonly string[]): string[] {
  return [`\tchain ${hook} {`, `\t\ttype filter hook ${hook} priority filter; policy accept;`, ...rules.map((r) => `\t\t${r}`), '\t}'];
}

/**
 * A lab host's whole ruleset, in `nft list ruleset`'s own layout (tabs, one rule a line, a blank line
 * between chains). Loaded with `nft -f -`; listing it back gives this text unchanged. No counters: the
 * text must not change as packets pass, so two reports of the same lab quote the same rules.
 */
export function hostRuleset(inputRules: readonly string[]): string {
  const input = inputRules.length > 0 ? [...chain('input', inputRules), ''] : [];
  return [NFT_TABLE_HEADER, ...input, ...chain('output', [MLD_QUIET_RULE]), '}', ''].join('\n');
}

/** The ruleset of a host with these ports: the rules of its filtered ports, in order. */
export function nftRuleset(ports: readonly FilteredPort[]): string {
  return hostRuleset(ports.map(filterRule).filter((r): r is string => r !== undefined));
}
