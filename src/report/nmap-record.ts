import { z } from 'zod';
import { Technique, type BareScanDocument } from '../protocol';
import { TECHNIQUE_TABLE } from '../technique';
import type { NmapRun } from './nmap';

/** Why nmap was not run for a technique; `detail` is technical (a namespace, addresses, nmap's own error). */
export const NmapProblemKind = z.enum(['not-installed', 'outside-scope', 'netns-gone', 'netns-unnamed', 'other-netns', 'route-differs', 'failed']);
export type NmapProblemKind = z.infer<typeof NmapProblemKind>;

/** What `report --with-nmap` did for one technique, kept in DIR/nmap/runs.json beside the XML. */
export const NmapRunRecord = z.object({
  /** when nmap was started (or found not runnable), ISO 8601 */
  at: z.string(),
  /** the command as run, e.g. ["ip", "netns", "exec", "portlab0-scanner", "nmap", "-sS", …] */
  command: z.array(z.string()),
  problem: z.object({ kind: NmapProblemKind, detail: z.string() }).optional(),
});
export type NmapRunRecord = z.infer<typeof NmapRunRecord>;
export const NmapRunRecords = z.partialRecord(Technique, NmapRunRecord);
export type NmapRunRecords = z.infer<typeof NmapRunRecords>;

/** Why an nmap XML found in DIR/nmap is not this scan's. */
export type NmapStaleKind = 'unreadable' | 'other-technique' | 'other-ports' | 'other-targets' | 'older';

/** What the report says about nmap for one technique. */
export type NmapNote =
  | { kind: 'ran'; at: string; command: string }
  | { kind: 'not-run'; at: string; problem: { kind: NmapProblemKind; detail: string } }
  | { kind: 'stale'; why: NmapStaleKind };

/** When the scan of `technique` (its latest run, when several scans were merged into the document) began. */
export function techniqueStartedAt(doc: BareScanDocument, technique: Technique): string {
  const starts = (doc.summary?.techniques ?? []).filter((s) => s.technique === technique).map((s) => s.startedAt);
  return starts.sort().at(-1) ?? doc.startedAt;
}

/**
 * Whether an nmap run belongs to this scan of `technique`: the same technique, the same ports, every
 * target among its hosts, and started no earlier than the scan (to the second: nmap's clock resolution).
 */
export function nmapRunMismatch(run: NmapRun | undefined, doc: BareScanDocument, technique: Technique): NmapStaleKind | undefined {
  if (!run) return 'unreadable';
  const results = doc.results.filter((r) => r.technique === technique);
  if (run.scanType !== TECHNIQUE_TABLE[technique].nmapScanType) return 'other-technique';
  const ports = [...new Set(results.map((r) => r.port))].sort((a, b) => a - b);
  const scanned = [...new Set(run.scannedPorts)].sort((a, b) => a - b);
  if (ports.join(',') !== scanned.join(',')) return 'other-ports';
  if (results.some((r) => !run.hosts.includes(r.target))) return 'other-targets';
  const scanStart = Math.floor(Date.parse(techniqueStartedAt(doc, technique)) / 1000);
  if (run.start === undefined || !(run.start >= scanStart)) return 'older';
  return undefined;
}
