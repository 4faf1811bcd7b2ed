import { XMLParser } from 'fast-xml-parser';
import type { PortState } from '../src/protocol';

/** Port states a tool reported, keyed `address/port`, and the packets it says it sent. */
export interface ToolAnswer {
  states: Map<string, PortState | 'unknown'>;
  packetsSent: number | undefined;
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/**
 * PortLab's -oX is read by nmap's reader (its XML is nmap's); the packets it sent are on its stdout, one
 * `N probes sent` line per technique and target.
 */
export function parsePortlab(xml: string, stdout: string): ToolAnswer {
  const { states } = parseNmap(xml, '');
  const sent = [...stdout.matchAll(/^(\d+) probes sent/gm)];
  return { states, packetsSent: sent.length > 0 ? sent.reduce((sum, m) => sum + Number(m[1]), 0) : undefined };
}

interface NmapXmlPort {
  portid: string;
  state: { state: string };
}
interface NmapXmlExtraports {
  state: string;
  extrareasons?: { ports?: string } | { ports?: string }[];
}
interface NmapXmlHost {
  address: { addr: string; addrtype: string } | { addr: string; addrtype: string }[];
  ports?: { port?: NmapXmlPort | NmapXmlPort[]; extraports?: NmapXmlExtraports | NmapXmlExtraports[] };
}

/** nmap's `extrareasons ports` attribute: `1-20,23-24,…`. */
function portsOfList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const [from, to = from] = part.split('-').map(Number);
    for (let p = from!; p <= to!; p++) out.push(p);
  }
  return out;
}

/**
 * nmap's XML lists ports one by one only for the smaller states; the rest are `extraports`, whose
 * `extrareasons ports="…"` (nmap ≥ 7.90) names them.
 */
export function parseNmap(xml: string, stdout: string): ToolAnswer {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
  const run = parser.parse(xml) as { nmaprun: { host?: NmapXmlHost | NmapXmlHost[] } };
  const states = new Map<string, PortState>();
  for (const host of asArray(run.nmaprun.host)) {
    const ip = asArray(host.address).find((a) => a.addrtype === 'ipv4')?.addr;
    if (!ip) continue;
    for (const extra of asArray(host.ports?.extraports))
      for (const reason of asArray(extra.extrareasons))
        if (reason.ports) for (const port of portsOfList(reason.ports)) states.set(`${ip}/${port}`, extra.state as PortState);
    for (const p of asArray(host.ports?.port)) states.set(`${ip}/${p.portid}`, p.state.state as PortState);
  }
  const sent = /Raw packets sent: (\d+)/.exec(stdout);
  return { states, packetsSent: sent ? Number(sent[1]) : undefined };
}

/** masscan reports only open ports; every other port it scanned is "unknown", not a state. */
export function parseMasscan(json: string, targets: string[], ports: number[]): ToolAnswer {
  const states = new Map<string, PortState | 'unknown'>();
  for (const t of targets) for (const p of ports) states.set(`${t}/${p}`, 'unknown');
  // masscan's -oJ is a JSON array with a trailing comma on the last record in some versions.
  const cleaned = json.trim().replace(/,\s*\]$/, ']');
  const records = cleaned ? (JSON.parse(cleaned) as { ip: string; ports: { port: number; status: string }[] }[]) : [];
  for (const r of records) for (const p of r.ports) if (p.status === 'open') states.set(`${r.ip}/${p.port}`, 'open');
  return { states, packetsSent: undefined };
}
