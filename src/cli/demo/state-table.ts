import type { LabTruth, PortResult, Protocol, Technique } from '../../protocol';
import { protocolOf, TECHNIQUES } from '../../protocol';

export const TRUTH_COLUMNS: readonly LabTruth[] = ['open', 'closed', 'filtered-drop', 'filtered-reject'];

export type TruthOf = (port: number, protocol: Protocol) => LabTruth;

/**
 * Technique × lab truth → the distinct "state (reason)" answers seen for ports of that truth.
 * Several answers in one cell mean ports that are alike by construction were classified differently.
 */
function stateMatrix(results: readonly PortResult[], truthOf: TruthOf): Map<Technique, Map<LabTruth, string[]>> {
  const matrix = new Map<Technique, Map<LabTruth, string[]>>();
  for (const r of results) {
    const row = matrix.get(r.technique) ?? new Map<LabTruth, string[]>();
    matrix.set(r.technique, row);
    const truth = truthOf(r.port, protocolOf(r.technique));
    const cell = row.get(truth) ?? [];
    const answer = `${r.state} ${r.reason}`;
    if (!cell.includes(answer)) cell.push(answer);
    row.set(truth, cell);
  }
  return matrix;
}

/** The demo's closing table, as fixed-width text for a terminal. */
export function formatStateTable(results: readonly PortResult[], truthOf: TruthOf): string {
  const matrix = stateMatrix(results, truthOf);
  const header = ['technique', ...TRUTH_COLUMNS];
  const rows = TECHNIQUES.filter((t) => matrix.has(t)).map((t) => [
    t,
    ...TRUTH_COLUMNS.map((truth) => matrix.get(t)?.get(truth)?.join(' / ') ?? '-'),
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}
