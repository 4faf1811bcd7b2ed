import { XMLParser } from 'fast-xml-parser';
import { type PortState, type Reason } from '../protocol';
import { portKey } from '../analysis/capture';
import { canonicalIpv6 } from '../wire';

/** nmap's answer for one port, as its `-oX` output gives it. */
export interface NmapPort {
  state: string;
  reason: string;
}

export interface NmapRun {
  version: string;
  args: string;
  /** when nmap started, in seconds since the epoch */
  start?: number;
  /** `<scaninfo type>`: a technique's nmapScanType (syn, ack, window, …) */
  scanType?: string;
  /** the ports nmap was asked to scan */
  scannedPorts: number[];
  /** the IPv4 or IPv6 addresses of the hosts it reports (IPv6 in RFC 5952 form, as PortLab writes targets) */
  hosts: string[];
  /** key `${address}:${port}` */
  ports: Map<string, NmapPort>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // nmap writes the "--" of its arguments as "-&#45;" inside the args attribute.
  htmlEntities: true,
  isArray: (name) => ['host', 'port', 'address', 'extraports', 'extrareasons'].includes(name),
});

interface XmlPort {
  portid?: string;
  state?: { state?: string; reason?: string };
}
interface XmlExtraPorts {
  state?: string;
  extrareasons?: { reason?: string; ports?: string }[];
}
interface XmlHost {
  address?: { addr?: string; addrtype?: string }[];
  ports?: { port?: XmlPort[]; extraports?: XmlExtraPorts[] };
}

/** Parses `nmap -oX` output; undefined when it is not an nmap run. */
export function parseNmapXml(xml: string): NmapRun | undefined {
  let doc: { nmaprun?: { version?: string; args?: string; start?: string; scaninfo?: { type?: string; services?: string }; host?: XmlHost[] } };
  try {
    doc = parser.parse(xml) as typeof doc;
  } catch {
    return undefined;
  }
  const run = doc.nmaprun;
  if (!run) return undefined;
  const ports = new Map<string, NmapPort>();
  const hosts: string[] = [];
  for (const host of run.host ?? []) {
    const ip = host.address?.find((a) => a.addrtype === 'ipv4' || a.addrtype === 'ipv6');
    if (!ip?.addr) continue;
    const address = ip.addrtype === 'ipv6' ? canonicalIpv6(ip.addr) : ip.addr;
    hosts.push(address);
    // Ports in a common state are folded into <extraports>; their <extrareasons> still list them.
    for (const extra of host.ports?.extraports ?? []) {
      for (const why of extra.extrareasons ?? []) {
        for (const port of expandPortList(why.ports ?? '')) ports.set(portKey(address, port), { state: extra.state ?? '', reason: why.reason ?? '' });
      }
    }
    for (const port of host.ports?.port ?? []) {
      if (port.portid === undefined || !port.state?.state) continue;
      ports.set(portKey(address, Number(port.portid)), { state: port.state.state, reason: port.state.reason ?? '' });
    }
  }
  const start = Number(run.start);
  return {
    version: String(run.version ?? ''),
    args: String(run.args ?? ''),
    ...(Number.isFinite(start) && run.start !== undefined ? { start } : {}),
    ...(run.scaninfo?.type ? { scanType: String(run.scaninfo.type) } : {}),
    // nmap writes no <scaninfo> for -sI: then the ports it reports, listed or folded, are those it scanned
    scannedPorts: run.scaninfo
      ? expandPortList(String(run.scaninfo.services ?? ''))
      : [...new Set([...ports.keys()].map((k) => Number(k.slice(k.lastIndexOf(':') + 1))))],
    hosts,
    ports,
  };
}

/** "1-3,22" → 1, 2, 3, 22 */
function expandPortList(list: string): number[] {
  const ports: number[] = [];
  for (const part of list.split(',')) {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || !Number.isInteger(from)) continue;
    const last = to !== undefined && Number.isInteger(to) ? Math.min(to, 65535) : from;
    for (let p = from; p <= last; p++) ports.push(p);
  }
  return ports;
}

/** nmap and PortLab agree when both the state and the reason are the same words. */
export function sameAnswer(nmap: NmapPort, state: PortState, reason: Reason): boolean {
  return nmap.state === state && nmap.reason === reason;
}
