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
  const rows = TECHNIQUES.filter((t) => matrix.has(t)).map((t) => [t, ...TRUTH_COLUMNS.map((truth) => matrix.get(t)?.get(truth)?.join(' / ') ?? '-')]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** nmap's state and reason per port, `target:port` → answer, for one technique (absent when nmap did not run it). */
export type NmapAnswers = (technique: Technique) => ReadonlyMap<string, { state: string; reason: string }> | undefined;

/**
 * One line per technique saying whether nmap, run on the same ports, gave every port the same state
 * and reason, with the ports where it did not: the table above is PortLab's, this is its check.
 */
export function formatNmapAgreement(results: readonly PortResult[], nmapOf: NmapAnswers): string {
  const lines: string[] = [];
  for (const technique of TECHNIQUES) {
    const ours = results.filter((r) => r.technique === technique);
    if (ours.length === 0) continue;
    const nmap = nmapOf(technique);
    if (!nmap) {
      lines.push(`${technique}: nmap did not run`);
      continue;
    }
    const differing = ours.flatMap((r) => {
      const theirs = nmap.get(`${r.target}:${r.port}`);
      const same = theirs !== undefined && theirs.state === r.state && theirs.reason === r.reason;
      return same ? [] : [`${r.port}/${r.protocol} nmap ${theirs ? `${theirs.state} ${theirs.reason}` : 'no answer'}, portlab ${r.state} ${r.reason}`];
    });
    lines.push(
      differing.length === 0
        ? `${technique}: nmap agrees on all ${ours.length} ports (state and reason)`
        : `${technique}: nmap differs on ${differing.length} of ${ours.length} ports: ${differing.join('; ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
