import { XMLParser } from 'fast-xml-parser';
import { type PortState, type Reason } from '../protocol';
import { portKey } from '../analysis/capture';

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
  /** `<scaninfo type>`: connect, syn, fin, null, xmas or udp */
  scanType?: string;
  /** the ports nmap was asked to scan */
  scannedPorts: number[];
  /** the IPv4 addresses of the hosts it reports */
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
    const address = host.address?.find((a) => a.addrtype === 'ipv4')?.addr;
    if (!address) continue;
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
    scannedPorts: expandPortList(String(run.scaninfo?.services ?? '')),
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
