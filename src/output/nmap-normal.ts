import type { BarePortResult, ScanDocument, ScanHead } from '../protocol';
import { foldedReasons, nmapDate, nmapRun, type ExtraPorts, type NmapRun, type StreamedNmapHost } from './nmap-model';
import { targetMacOf } from './nmap-xml';
import { documentResults, type BareResultSource } from './result-source';
import { ChunkedLines, collectText, type TextSink } from './text-sink';

/**
 * nmap's `-oN` normal output with `--reason` columns, one report per host (and per pass, see nmap-model),
 * written port by port into `sink`.
 */
export function writeNmapNormal(sink: TextSink, head: ScanHead, source: BareResultSource): void {
  writeNmapNormalOfRun(sink, head, nmapRun(head, source));
}

/** writeNmapNormal of a run already worked out (shared with -oX when both are asked for). */
export function writeNmapNormalOfRun(sink: TextSink, head: ScanHead, run: NmapRun): void {
  const elapsed = ((run.end.getTime() - run.start.getTime()) / 1000).toFixed(2);
  const n = run.targets.length;
  const out = new ChunkedLines(sink);
  out.line(`# ${head.tool} scan initiated ${nmapDate(run.start)} as: ${run.args}`);
  // nmap names the idle scan's zombie and its IP ID class once, before the host reports
  const zombies = new Map(
    (head.summary?.techniques ?? []).flatMap((t) => (t.zombie ? [[`${t.zombie.address}:${t.zombie.probePort}`, t.zombie] as const] : [])),
  );
  for (const z of zombies.values()) out.line(`Idle scan using zombie ${z.address} (${z.address}:${z.probePort}); Class: ${z.ipIdClass}`);
  for (const pass of run.passes)
    for (const address of run.targets) {
      out.line(`${head.tool} scan report for ${address}${run.passes.length > 1 ? ` (${pass.techniques.join(', ')})` : ''}`);
      out.line('Host is up, received user-set.');
      writeHostLines(out, run.host(pass, address));
      const mac = targetMacOf(head, address);
      // nmap prints no vendor it does not know as "(Unknown)"; PortLab carries no vendor table
      if (mac) out.line(`MAC Address: ${mac} (Unknown)`);
      out.line('');
    }
  if (head.summary?.partial) out.line(`# scan incomplete${head.summary.error ? `: ${head.summary.error}` : ''}`);
  out.line(
    `# ${head.tool} done at ${nmapDate(run.end)} -- ${n} IP address${n === 1 ? '' : 'es'} (${n} host${n === 1 ? '' : 's'} up) scanned in ${elapsed} seconds`,
  );
  out.flush();
}

/** The whole `-oN` text of a document in memory. */
export function toNmapNormal(doc: ScanDocument): string {
  return collectText((sink) => writeNmapNormal(sink, doc, documentResults(doc.results)));
}

const HEADER = ['PORT', 'STATE', 'SERVICE', 'REASON'];

function writeHostLines(out: ChunkedLines, host: StreamedNmapHost): void {
  const scanned = host.listedCount + host.extra.reduce((sum, e) => sum + e.count, 0);
  if (host.listedCount === 0 && host.extra.length > 0) out.line(`All ${scanned} scanned ports on ${host.address} are in ignored states.`);
  const folded = notShownLine(host);
  if (folded) out.line(folded);
  if (host.listedCount === 0) return;
  // nmap separates the table from "Host is up" by a blank line unless a "Not shown" line stands between them
  if (host.extra.length === 0) out.line('');
  // The columns are as wide as their widest cell: one walk to measure, one to write.
  const widths = HEADER.slice(0, 3).map((h) => h.length);
  for (const p of host.listed()) {
    const cells = rowCells(p);
    for (let col = 0; col < 3; col++) widths[col] = Math.max(widths[col]!, cells[col]!.length);
  }
  const row = (cells: string[]) => cells.map((cell, col) => (col < 3 ? cell.padEnd(widths[col]!) : cell)).join(' ');
  out.line(row(HEADER));
  for (const p of host.listed()) out.line(row(rowCells(p)));
}

function rowCells(p: BarePortResult): string[] {
  return [`${p.port}/${p.protocol}`, p.state, p.service ?? 'unknown', p.reasonTtl === undefined ? p.reason : `${p.reason} ttl ${p.reasonTtl}`];
}

/** nmap's "Not shown: 990 closed tcp ports (reset)" line for a host's folded states, if it has any. */
export function notShownLine(host: { extra: readonly ExtraPorts[] }): string | undefined {
  return host.extra.length > 0 ? `Not shown: ${host.extra.map(notShown).join(', ')}` : undefined;
}

/** "990 closed tcp ports (reset)"; one phrase per protocol, reasons listed as nmap does. */
function notShown(extra: ExtraPorts): string {
  const protocols = [...new Set(extra.reasons.map((r) => r.protocol))];
  return protocols
    .map((protocol) => {
      const reasons = extra.reasons.filter((r) => r.protocol === protocol);
      const count = reasons.reduce((sum, r) => sum + r.ports.count, 0);
      return `${count} ${extra.state} ${protocol} port${count === 1 ? '' : 's'} (${foldedReasons(reasons)})`;
    })
    .join(', ');
}
