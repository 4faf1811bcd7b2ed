import type { ScanDocument } from '../protocol';
import { foldedReasons, nmapDate, nmapRun, type ExtraPorts, type NmapHostReport } from './nmap-model';
import { targetMacOf } from './nmap-xml';

/** nmap's `-oN` normal output with `--reason` columns, one report per host (and per pass, see nmap-model). */
export function toNmapNormal(doc: ScanDocument): string {
  const run = nmapRun(doc);
  const elapsed = ((run.end.getTime() - run.start.getTime()) / 1000).toFixed(2);
  const n = run.targets.length;
  const out: string[] = [`# ${doc.tool} scan initiated ${nmapDate(run.start)} as: ${run.args}`];
  // nmap names the idle scan's zombie and its IP ID class once, before the host reports
  const zombies = new Map((doc.summary?.techniques ?? []).flatMap((t) => (t.zombie ? [[`${t.zombie.address}:${t.zombie.probePort}`, t.zombie] as const] : [])));
  for (const z of zombies.values()) out.push(`Idle scan using zombie ${z.address} (${z.address}:${z.probePort}); Class: ${z.ipIdClass}`);
  for (const pass of run.passes)
    for (const host of pass.hosts) {
      out.push(`${doc.tool} scan report for ${host.address}${run.passes.length > 1 ? ` (${pass.techniques.join(', ')})` : ''}`);
      out.push('Host is up, received user-set.');
      out.push(...hostLines(host));
      const mac = targetMacOf(doc, host.address);
      // nmap prints no vendor it does not know as "(Unknown)"; PortLab carries no vendor table
      if (mac) out.push(`MAC Address: ${mac} (Unknown)`);
      out.push('');
    }
  if (doc.summary?.partial) out.push(`# scan incomplete${doc.summary.error ? `: ${doc.summary.error}` : ''}`);
  out.push(
    `# ${doc.tool} done at ${nmapDate(run.end)} -- ${n} IP address${n === 1 ? '' : 'es'} (${n} host${n === 1 ? '' : 's'} up) scanned in ${elapsed} seconds`,
  );
  return out.join('\n') + '\n';
}

function hostLines(host: NmapHostReport): string[] {
  const lines: string[] = [];
  const scanned = host.ports.length + host.extra.reduce((sum, e) => sum + e.count, 0);
  if (host.ports.length === 0 && host.extra.length > 0) lines.push(`All ${scanned} scanned ports on ${host.address} are in ignored states.`);
  const folded = notShownLine(host);
  if (folded) lines.push(folded);
  if (host.ports.length === 0) return lines;
  // nmap separates the table from "Host is up" by a blank line unless a "Not shown" line stands between them
  if (host.extra.length === 0) lines.push('');
  const rows = host.ports.map((p) => [
    `${p.port}/${p.protocol}`,
    p.state,
    p.service ?? 'unknown',
    p.reasonTtl === undefined ? p.reason : `${p.reason} ttl ${p.reasonTtl}`,
  ]);
  const table = [['PORT', 'STATE', 'SERVICE', 'REASON'], ...rows];
  const widths = [0, 1, 2].map((col) => Math.max(...table.map((row) => row[col]!.length)));
  for (const row of table) lines.push(row.map((cell, col) => (col < 3 ? cell.padEnd(widths[col]!) : cell)).join(' '));
  return lines;
}

/** nmap's "Not shown: 990 closed tcp ports (reset)" line for a host's folded states, if it has any. */
export function notShownLine(host: NmapHostReport): string | undefined {
  return host.extra.length > 0 ? `Not shown: ${host.extra.map(notShown).join(', ')}` : undefined;
}

/** "990 closed tcp ports (reset)"; one phrase per protocol, reasons listed as nmap does. */
function notShown(extra: ExtraPorts): string {
  const protocols = [...new Set(extra.reasons.map((r) => r.protocol))];
  return protocols
    .map((protocol) => {
      const reasons = extra.reasons.filter((r) => r.protocol === protocol);
      const count = reasons.reduce((sum, r) => sum + r.ports.length, 0);
      return `${count} ${extra.state} ${protocol} port${count === 1 ? '' : 's'} (${foldedReasons(reasons)})`;
    })
    .join(', ');
}
