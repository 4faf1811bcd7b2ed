import { isIpv6Address } from '../base/ip-text';
import type { BarePortResult, ScanDocument, ScanHead } from '../protocol';
import { TECHNIQUE_TABLE } from '../technique';
import { nmapDate, nmapRun, unixSeconds, type NmapRun, type StreamedNmapHost } from './nmap-model';
import { documentResults, type BareResultSource } from './result-source';
import { ChunkedLines, collectText, type TextSink } from './text-sink';

/**
 * nmap's `-oX` format (xmloutputversion 1.05, validated against /usr/share/nmap/nmap.dtd), so that
 * tools reading nmap XML (Zenmap, Metasploit's db_import, xsltproc with nmap.xsl) open our scans.
 * Hosts are reported "up" with reason "user-set", as nmap does with -Pn: a port scan does not ping first.
 * Written port by port into `sink`: a full-range scan's listed ports are never one string.
 */
export function writeNmapXml(sink: TextSink, head: ScanHead, source: BareResultSource): void {
  writeNmapXmlOfRun(sink, head, nmapRun(head, source));
}

/** writeNmapXml of a run already worked out (shared with -oN when both are asked for). */
export function writeNmapXmlOfRun(sink: TextSink, head: ScanHead, run: NmapRun): void {
  const elapsed = ((run.end.getTime() - run.start.getTime()) / 1000).toFixed(2);
  const hostCount = run.targets.length;
  const out = new ChunkedLines(sink);
  out.line('<?xml version="1.0" encoding="UTF-8"?>');
  out.line('<!DOCTYPE nmaprun>');
  out.line('<?xml-stylesheet href="file:///usr/share/nmap/nmap.xsl" type="text/xsl"?>');
  out.line(`<!-- ${comment(`${head.tool} scan initiated ${nmapDate(run.start)} as: ${run.args}`)} -->`);
  out.line(
    `<nmaprun scanner="nmap" args="${attr(run.args)}" start="${unixSeconds(run.start)}" startstr="${attr(nmapDate(run.start))}" version="${attr(head.tool)}" xmloutputversion="1.05">`,
  );
  // nmap writes no <scaninfo> for a scan type it has no name for in XML (the idle scan)
  for (const info of run.scanInfo.filter((i) => TECHNIQUE_TABLE[i.technique].nmapScanType !== undefined))
    out.line(
      `<scaninfo type="${TECHNIQUE_TABLE[info.technique].nmapScanType}" protocol="${info.protocol}" numservices="${info.count}" services="${info.services}"/>`,
    );
  out.line('<verbose level="0"/>');
  out.line('<debugging level="0"/>');
  for (const pass of run.passes)
    for (const address of run.targets) {
      if (pass.techniques.length > 0) out.line(`<!-- techniques: ${pass.techniques.join(', ')} -->`);
      writeHostXml(out, run.host(pass, address), targetMacOf(head, address), run.start, run.end);
    }
  const summary = `${head.tool} done at ${nmapDate(run.end)}; ${hostCount} IP address${hostCount === 1 ? '' : 'es'} (${hostCount} host${hostCount === 1 ? '' : 's'} up) scanned in ${elapsed} seconds`;
  const exit = head.summary?.error ? `exit="error" errormsg="${attr(head.summary.error)}"` : 'exit="success"';
  out.line(
    `<runstats><finished time="${unixSeconds(run.end)}" timestr="${attr(nmapDate(run.end))}" summary="${attr(summary)}" elapsed="${elapsed}" ${exit}/><hosts up="${hostCount}" down="0" total="${hostCount}"/>`,
  );
  out.line('</runstats>');
  out.line('</nmaprun>');
  out.flush();
}

/** The whole `-oX` text of a document in memory. */
export function toNmapXml(doc: ScanDocument): string {
  return collectText((sink) => writeNmapXml(sink, doc, documentResults(doc.results)));
}

/**
 * An on-link target's MAC as nmap writes it (upper case), from any technique that asked the target by ARP;
 * nmap's vendor name is left out, as nmap does for a prefix its table does not know.
 */
export function targetMacOf(head: ScanHead, address: string): string | undefined {
  return head.summary?.techniques.find((t) => t.target === address && t.mac !== undefined)?.mac?.toUpperCase();
}

function writeHostXml(out: ChunkedLines, host: StreamedNmapHost, mac: string | undefined, start: Date, end: Date): void {
  out.line(`<host starttime="${unixSeconds(start)}" endtime="${unixSeconds(end)}"><status state="up" reason="user-set" reason_ttl="0"/>`);
  out.line(`<address addr="${attr(host.address)}" addrtype="${isIpv6Address(host.address) ? 'ipv6' : 'ipv4'}"/>`);
  if (mac) out.line(`<address addr="${attr(mac)}" addrtype="mac"/>`);
  out.line('<hostnames>');
  out.line('</hostnames>');
  out.line('<ports>');
  for (const extra of host.extra) {
    out.line(`<extraports state="${attr(extra.state)}" count="${extra.count}">`);
    for (const r of extra.reasons)
      out.line(`<extrareasons reason="${attr(r.reason)}" count="${r.ports.count}" proto="${r.protocol}" ports="${r.ports.text()}"/>`);
    out.line('</extraports>');
  }
  for (const p of host.listed()) out.line(portXml(p));
  out.line('</ports>');
  out.line('</host>');
}

function portXml(p: BarePortResult): string {
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
