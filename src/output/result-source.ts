import type { PortResult, Technique } from '../protocol';

export interface ResultFilter {
  technique: Technique;
  target: string;
}

/**
 * A scan's results, all of them or one technique's against one target, walked as often as a writer needs:
 * the engine's `ScanOutcome.results` builds each result as it is taken, so nothing holds a full-range scan whole.
 */
export type ResultSource = (filter?: ResultFilter) => Iterable<PortResult>;

/** The source of a document already in memory; one technique and target's results keep the document's order. */
export function documentResults(results: readonly PortResult[]): ResultSource {
  let groups: Map<string, PortResult[]> | undefined;
  return (filter) => {
    if (!filter) return results;
    groups ??= groupByTechniqueAndTarget(results);
    return groups.get(groupKey(filter)) ?? [];
  };
}

function groupByTechniqueAndTarget(results: readonly PortResult[]): Map<string, PortResult[]> {
  const groups = new Map<string, PortResult[]>();
  for (const r of results) {
    const key = groupKey(r);
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return groups;
}

function groupKey(r: ResultFilter): string {
  return `${r.technique} ${r.target}`;
}
