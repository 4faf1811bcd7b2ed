import { isIPv6 } from 'node:net';
import type { PortResult, ScanDocument } from '../protocol';
import { TECHNIQUE_TABLE } from '../technique';
import { nmapDate, nmapRun, portRanges, unixSeconds, type NmapHostReport } from './nmap-model';

/**
 * nmap's `-oX` format (xmloutputversion 1.05, validated against /usr/share/nmap/nmap.dtd), so that
 * tools reading nmap XML (Zenmap, Metasploit's db_import, xsltproc with nmap.xsl) open our scans.
 * Hosts are reported "up" with reason "user-set", as nmap does with -Pn: a port scan does not ping first.
 */
export function toNmapXml(doc: ScanDocument): string {
  const run = nmapRun(doc);
  const elapsed = ((run.end.getTime() - run.start.getTime()) / 1000).toFixed(2);
  const hostCount = run.targets.length;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE nmaprun>',
    '<?xml-stylesheet href="file:///usr/share/nmap/nmap.xsl" type="text/xsl"?>',
    `<!-- ${comment(`${doc.tool} scan initiated ${nmapDate(run.start)} as: ${run.args}`)} -->`,
    `<nmaprun scanner="nmap" args="${attr(run.args)}" start="${unixSeconds(run.start)}" startstr="${attr(nmapDate(run.start))}" version="${attr(doc.tool)}" xmloutputversion="1.05">`,
  ];
  // nmap writes no <scaninfo> for a scan type it has no name for in XML (the idle scan)
  for (const info of run.scanInfo.filter((i) => TECHNIQUE_TABLE[i.technique].nmapScanType !== undefined))
    out.push(
      `<scaninfo type="${TECHNIQUE_TABLE[info.technique].nmapScanType}" protocol="${info.protocol}" numservices="${info.ports.length}" services="${portRanges(info.ports)}"/>`,
    );
  out.push('<verbose level="0"/>', '<debugging level="0"/>');
  for (const pass of run.passes)
    for (const host of pass.hosts) {
      if (pass.techniques.length > 0) out.push(`<!-- techniques: ${pass.techniques.join(', ')} -->`);
      out.push(...hostXml(host, targetMacOf(doc, host.address), run.start, run.end));
    }
  const summary = `${doc.tool} done at ${nmapDate(run.end)}; ${hostCount} IP address${hostCount === 1 ? '' : 'es'} (${hostCount} host${hostCount === 1 ? '' : 's'} up) scanned in ${elapsed} seconds`;
  const exit = doc.summary?.error ? `exit="error" errormsg="${attr(doc.summary.error)}"` : 'exit="success"';
  out.push(
    `<runstats><finished time="${unixSeconds(run.end)}" timestr="${attr(nmapDate(run.end))}" summary="${attr(summary)}" elapsed="${elapsed}" ${exit}/><hosts up="${hostCount}" down="0" total="${hostCount}"/>`,
    '</runstats>',
    '</nmaprun>',
  );
  return out.join('\n') + '\n';
}

/**
 * An on-link target's MAC as nmap writes it (upper case), from any technique that asked the target by ARP;
 * nmap's vendor name is left out, as nmap does for a prefix its table does not know.
 */
export function targetMacOf(doc: ScanDocument, address: string): string | undefined {
  return doc.summary?.techniques.find((t) => t.target === address && t.mac !== undefined)?.mac?.toUpperCase();
}

function hostXml(host: NmapHostReport, mac: string | undefined, start: Date, end: Date): string[] {
  const lines = [
    `<host starttime="${unixSeconds(start)}" endtime="${unixSeconds(end)}"><status state="up" reason="user-set" reason_ttl="0"/>`,
    `<address addr="${attr(host.address)}" addrtype="${isIPv6(host.address.split('%')[0]!) ? 'ipv6' : 'ipv4'}"/>`,
    ...(mac ? [`<address addr="${attr(mac)}" addrtype="mac"/>`] : []),
    '<hostnames>',
    '</hostnames>',
    '<ports>',
  ];
  for (const extra of host.extra) {
    lines.push(`<extraports state="${attr(extra.state)}" count="${extra.count}">`);
    for (const r of extra.reasons)
      lines.push(`<extrareasons reason="${attr(r.reason)}" count="${r.ports.length}" proto="${r.protocol}" ports="${portRanges(r.ports)}"/>`);
    lines.push('</extraports>');
  }
  for (const p of host.ports) lines.push(portXml(p));
  lines.push('</ports>', '</host>');
  return lines;
}

function portXml(p: PortResult): string {
  const service = p.service ? `<service name="${attr(p.service)}" method="table" conf="3"/>` : '';
  return `<port protocol="${p.protocol}" portid="${p.port}"><state state="${attr(p.state)}" reason="${attr(p.reason)}" reason_ttl="${p.reasonTtl ?? 0}"/>${service}</port>`;
}

function attr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** "--" may not appear inside an XML comment; nmap writes it as "-&#45;" too. */
function comment(s: string): string {
  return attr(s).replace(/--/g, '-&#45;');
}
