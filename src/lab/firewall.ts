import type { LabTruth, Protocol } from '../protocol';

export const NFT_TABLE = 'portlab';

interface FilteredPort {
  port: number;
  protocol: Protocol;
  truth: LabTruth;
}

/**
 * The nftables rule for a filtered port, written exactly as `nft list ruleset` prints it, so the
 * line the report quotes is the line in the live ruleset. Open and closed ports get no rule.
 */
export function filterRule({ port, protocol, truth }: FilteredPort): string | undefined {
  if (truth === 'filtered-drop') return `${protocol} dport ${port} drop`;
  if (truth === 'filtered-reject') return `${protocol} dport ${port} reject with icmp admin-prohibited`;
  return undefined;
}

/**
 * The target's whole ruleset, in `nft list ruleset`'s own layout (tabs, one rule a line). Loaded with
 * `nft -f -`; listing it back gives this text unchanged. No counters: the text must not change as
 * packets pass, so two reports of the same lab quote the same rules.
 */
export function nftRuleset(ports: readonly FilteredPort[]): string {
  const rules = ports.map(filterRule).filter((r): r is string => r !== undefined);
  return [
    `table ip ${NFT_TABLE} {`,
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy accept;',
    ...rules.map((r) => `\t\t${r}`),
    '\t}',
    '}',
    '',
  ].join('\n');
}
