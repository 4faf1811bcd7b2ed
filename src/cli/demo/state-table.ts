import { LabTruth, labTruthAt, TECHNIQUES, type LabDescription, type PortResult, type Technique } from '../../protocol';
import { portKey } from '../../analysis/capture';

/** How the lab made the port of a result be in its state: the truth of that host, over that address family. */
export type TruthOf = (result: PortResult) => LabTruth;

/** The truth in `lab` of the host a result's address names (the target or the stateless host, over IPv4 or IPv6). */
export function truthInLab(lab: LabDescription): TruthOf {
  return (r) => {
    const truth = labTruthAt(lab, r.target, r.port, r.protocol);
    if (truth === undefined) throw new Error(`lab ${lab.id} lists no ports of ${r.target}`);
    return truth;
  };
}

/**
 * Technique × lab truth → the distinct "state (reason)" answers seen for ports of that truth.
 * Several answers in one cell mean ports that are alike by construction were classified differently.
 */
function stateMatrix(results: readonly PortResult[], truthOf: TruthOf): Map<Technique, Map<LabTruth, string[]>> {
  const matrix = new Map<Technique, Map<LabTruth, string[]>>();
  for (const r of results) {
    const row = matrix.get(r.technique) ?? new Map<LabTruth, string[]>();
    matrix.set(r.technique, row);
    const truth = truthOf(r);
    const cell = row.get(truth) ?? [];
    const answer = `${r.state} ${r.reason}`;
    if (!cell.includes(answer)) cell.push(answer);
    row.set(truth, cell);
  }
  return matrix;
}

/**
 * A scan's closing table, as fixed-width text for a terminal: a row per technique scanned, a column per
 * kind of port the scanned host has (the stateless host's filtered-syn among them), in the lab's order.
 */
export function formatStateTable(results: readonly PortResult[], truthOf: TruthOf): string {
  const matrix = stateMatrix(results, truthOf);
  const columns = LabTruth.options.filter((truth) => [...matrix.values()].some((row) => row.has(truth)));
  const header = ['technique', ...columns];
  const rows = TECHNIQUES.filter((t) => matrix.has(t)).map((t) => [t, ...columns.map((truth) => matrix.get(t)?.get(truth)?.join(' / ') ?? '-')]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** nmap's state and reason per port, portKey(target, port) → answer, for one technique (absent when nmap did not run it). */
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
      const theirs = nmap.get(portKey(r.target, r.port));
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
