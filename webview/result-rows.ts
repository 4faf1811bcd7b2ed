import { PORT_STATES, TECHNIQUES, type PortResult, type PortState, type Technique } from '../src/protocol/scan';
import { foldedStates } from '../src/protocol/webview';

/**
 * One technique's ports of one target in a state nmap would not list (more than 25 ports, not open): the
 * table shows them as one row, as nmap's "Not shown" line and the Targets tree do, until it is opened.
 */
export interface FoldedGroup {
  key: string;
  technique: Technique;
  target: string;
  state: PortState;
  count: number;
  /** the nmap reasons of the group's ports, most common first */
  reasons: { reason: string; count: number }[];
  protocol: PortResult['protocol'];
  expanded: boolean;
}

export type TableRow = { kind: 'result'; result: PortResult } | { kind: 'fold'; fold: FoldedGroup };

/** A folded group's id, kept in the webview's state while the group is open. */
export function foldKey(r: { technique: Technique; target: string; state: PortState }): string {
  return `${r.technique}/${r.target}/${r.state}`;
}

/** The folded groups' keys among `rows`: the states of each technique and target that nmap folds. */
function foldedKeys(rows: readonly PortResult[]): Set<string> {
  const byHost = new Map<string, PortResult[]>();
  for (const r of rows) {
    const host = `${r.technique}/${r.target}`;
    const list = byHost.get(host) ?? [];
    list.push(r);
    byHost.set(host, list);
  }
  const keys = new Set<string>();
  for (const list of byHost.values()) for (const state of foldedStates(list)) keys.add(foldKey({ ...list[0]!, state }));
  return keys;
}

/** Whether `r`'s row is inside a folded group of `rows` that is closed. */
export function hiddenInFold(rows: readonly PortResult[], r: PortResult, expanded: ReadonlySet<string>): boolean {
  const key = foldKey(r);
  return !expanded.has(key) && foldedKeys(rows).has(key);
}

/**
 * The table's rows from the visible results, already filtered and sorted: the ports nmap would list come
 * first, so that a 1–1024 scan opens on its open and filtered ports; then each folded group as one row,
 * followed by its ports (in the same sort) when it is open. A fold comes from the results the filter lets
 * through, so a filter that leaves 25 ports or fewer of a state shows them all.
 */
export function tableRows(rows: readonly PortResult[], expanded: ReadonlySet<string>): TableRow[] {
  const folded = foldedKeys(rows);
  const out: TableRow[] = [];
  const groups = new Map<string, PortResult[]>();
  for (const r of rows) {
    const key = foldKey(r);
    if (!folded.has(key)) {
      out.push({ kind: 'result', result: r });
      continue;
    }
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  const order = (a: PortResult, b: PortResult) =>
    TECHNIQUES.indexOf(a.technique) - TECHNIQUES.indexOf(b.technique) ||
    a.target.localeCompare(b.target) ||
    PORT_STATES.indexOf(a.state) - PORT_STATES.indexOf(b.state);
  for (const [key, members] of [...groups].sort(([, a], [, b]) => order(a[0]!, b[0]!))) {
    const first = members[0]!;
    const reasons = new Map<string, number>();
    for (const r of members) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
    const open = expanded.has(key);
    out.push({
      kind: 'fold',
      fold: {
        key,
        technique: first.technique,
        target: first.target,
        state: first.state,
        protocol: first.protocol,
        count: members.length,
        reasons: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
        expanded: open,
      },
    });
    if (open) out.push(...members.map((result): TableRow => ({ kind: 'result', result })));
  }
  return out;
}

/** nmap's way of naming a fold's reasons: "reset" alone, or "1000 reset, 19 no-response". */
export function foldReasons(fold: FoldedGroup): string {
  return fold.reasons.map((r) => (fold.reasons.length === 1 ? r.reason : `${r.count} ${r.reason}`)).join(', ');
}
