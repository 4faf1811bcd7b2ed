import { portResultJson, type BarePortResult, type PortResult, type ResultFilter } from '../protocol';
import { groupBy } from '../base/group-by';

/**
 * A scan's results, all of them or one technique's against one target, walked as often as a writer needs:
 * the engine's `ScanOutcome.results` builds each result as it is taken, so nothing holds a full-range scan whole.
 */
export type ResultSource = (filter?: ResultFilter) => Iterable<PortResult>;

/** The same without exchanges, for writers that print none (nmap's formats): the engine's are much cheaper to build. */
export type BareResultSource = (filter?: ResultFilter) => Iterable<BarePortResult>;

/** The source of a document already in memory; one technique and target's results keep the document's order. */
export function documentResults(results: readonly PortResult[]): ResultSource {
  let groups: Map<string, PortResult[]> | undefined;
  return (filter) => {
    if (!filter) return results;
    groups ??= groupBy(results, groupKey);
    const group = groups.get(groupKey(filter)) ?? [];
    const except = filter.except;
    return except ? group.filter((r) => !except.has(r.state)) : group;
  };
}

/** Results as portResultJson writes them, for writeScanJson. */
export function* resultTexts(results: Iterable<PortResult>, pretty: boolean): Generator<string> {
  for (const r of results) yield portResultJson(r, pretty);
}

function groupKey(r: ResultFilter): string {
  return `${r.technique} ${r.target}`;
}
