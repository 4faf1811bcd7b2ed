import type { BarePortResult, ScanHead, TechniqueSummary } from '../protocol';

/** What a result replaces in an earlier scan: the one of the same technique, target, port and protocol. */
export function resultKey(r: BarePortResult): string {
  return `${r.technique}\u0000${r.target}\u0000${r.port}\u0000${r.protocol}`;
}

function summaryKey(s: TechniqueSummary): string {
  return `${s.technique}\u0000${s.target}`;
}

/**
 * One `--out DIR` holds one or more scans: a new scan's results replace the earlier ones of the same
 * technique, target, port and protocol and keep the rest, so `-sS` then `-sU` into one directory
 * gives a report with both. Its technique summaries replace the earlier ones of the same technique
 * and target; the earlier scans' dates and commands are kept under `earlier`.
 */
export function mergeScanDocuments<R extends BarePortResult>(
  previous: ScanHead & { results: R[] },
  latest: ScanHead & { results: R[] },
): ScanHead & { results: R[] } {
  const results = new Map<string, R>();
  for (const r of [...previous.results, ...latest.results]) results.set(resultKey(r), r);
  return { ...mergeScanHeads(previous, latest), results: [...results.values()] };
}

/** Everything of mergeScanDocuments' document but its results (see there). */
export function mergeScanHeads(previous: ScanHead, latest: ScanHead): ScanHead {
  const earlier = [...(previous.earlier ?? []), { startedAt: previous.startedAt, ...(previous.command ? { command: previous.command } : {}) }];
  const merged: ScanHead = { ...latest, earlier };
  if (previous.summary && latest.summary) {
    const techniques = new Map<string, TechniqueSummary>();
    for (const s of [...previous.summary.techniques, ...latest.summary.techniques]) techniques.set(summaryKey(s), s);
    merged.summary = { ...latest.summary, partial: previous.summary.partial || latest.summary.partial, techniques: [...techniques.values()] };
  } else merged.summary = latest.summary ?? previous.summary;
  if (merged.summary === undefined) delete merged.summary;
  return merged;
}
