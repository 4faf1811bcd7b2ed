import { readFileSync } from 'node:fs';
import type { PortState } from '../src/protocol';
import type { HostSetup } from './topology';

export type Tool = 'portlab' | 'nmap' | 'masscan';
export type Protocol = 'tcp' | 'udp';

/** What each tool is told to do in one scenario; `ports` is the same list for every tool. */
export interface Scenario {
  id: string;
  title: string;
  protocol: Protocol;
  targets: string[];
  ports: number[];
  /** arguments after `portlab scan`, without targets and ports */
  portlab: string[];
  /** arguments after `nmap`, without targets, ports and output options */
  nmap: string[];
  /** whether masscan can do the same work (SYN scans only) */
  masscan: boolean;
  /** hard limit per tool run, seconds */
  timeoutSec: number;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ALL_PORTS = range(1, 65535);

// S1/S3: open ports spread over the whole range, so a scanner that stops early or loses answers shows it.
const S1_OPEN = [21, 22, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1723, 3306, 3389, 5900, 8080, 8443, 10000, 20000, 33333, 50000, 65535];
const S2_OPEN = [22, 80, 443, 8443];
const S4_UDP_OPEN = [7, 53];
const S4_UDP_FILTERED = [123, 137, 161];
const S4_UDP_CLOSED = range(1000, 1030);
export const S4_PORTS = [...S4_UDP_OPEN, ...S4_UDP_FILTERED, ...S4_UDP_CLOSED];

export const HOST_S1 = '198.19.0.2';
export const HOST_S2 = '198.19.0.3';
export const HOST_S4 = '198.19.0.4';
export const S5_HOSTS = range(16, 31).map((i) => `198.19.0.${i}`);
/** Unused addresses of the benchmark subnet for `--source-ips`. */
export const SOURCE_IPS = '198.19.0.200-198.19.0.207';

/**
 * nmap's top TCP ports: nmap-services ranked by open frequency, as `nmap --top-ports` picks them
 * (checked against the `services` list of nmap's own XML for 1000 ports).
 */
export function topTcpPorts(count: number, servicesFile = '/usr/share/nmap/nmap-services'): number[] {
  const ranked: { port: number; freq: number }[] = [];
  for (const line of readFileSync(servicesFile, 'utf8').split('\n')) {
    if (line.startsWith('#')) continue;
    const [, portProto, freq] = line.split(/\s+/);
    const m = /^(\d+)\/tcp$/.exec(portProto ?? '');
    if (m && freq) ranked.push({ port: Number(m[1]), freq: Number(freq) });
  }
  ranked.sort((a, b) => b.freq - a.freq || a.port - b.port);
  return ranked
    .slice(0, count)
    .map((r) => r.port)
    .sort((a, b) => a - b);
}

export function benchHosts(top1000: number[]): HostSetup[] {
  const none = { udpOpen: [], tcpDrop: [], udpReject: [] };
  const hosts: HostSetup[] = [
    { ...none, address: HOST_S1, tcpOpen: S1_OPEN },
    { ...none, address: HOST_S2, tcpOpen: S2_OPEN, tcpDefaultDrop: true },
    { ...none, address: HOST_S4, tcpOpen: [], udpOpen: S4_UDP_OPEN, udpReject: S4_UDP_FILTERED },
  ];
  // S5: a subnet of mostly alike hosts; each has one port of its own open, the last four firewall two ports.
  S5_HOSTS.forEach((address, i) => {
    const own = top1000[(i * 61 + 7) % top1000.length]!;
    const tcpOpen = [...new Set([22, 80, own])].sort((a, b) => a - b);
    hosts.push({ ...none, address, tcpOpen, tcpDrop: i >= 12 ? [25, 3389].filter((p) => !tcpOpen.includes(p)) : [] });
  });
  return hosts;
}

/** The state each port of each host is built to have. */
export function truthOf(hosts: HostSetup[], protocol: Protocol): (address: string, port: number) => PortState | undefined {
  const byAddress = new Map(hosts.map((h) => [h.address, h]));
  return (address, port) => {
    const h = byAddress.get(address);
    if (!h) return undefined;
    if ((protocol === 'tcp' ? h.tcpOpen : h.udpOpen).includes(port)) return 'open';
    if ((protocol === 'tcp' ? h.tcpDrop : h.udpReject).includes(port) || (protocol === 'tcp' && h.tcpDefaultDrop)) return 'filtered';
    return 'closed';
  };
}

export function scenarios(top1000: number[], withSourceIps: boolean): Scenario[] {
  const list: Scenario[] = [
    {
      id: 'S1',
      title: 'full-range SYN, 25 open, rest closed',
      protocol: 'tcp',
      targets: [HOST_S1],
      ports: ALL_PORTS,
      portlab: ['-sS'],
      nmap: ['-sS', '-T4'],
      masscan: true,
      timeoutSec: 120,
    },
    {
      id: 'S2',
      title: 'full-range SYN, default-drop firewall, 4 open',
      protocol: 'tcp',
      targets: [HOST_S2],
      ports: ALL_PORTS,
      portlab: ['-sS'],
      nmap: ['-sS', '-T4'],
      masscan: true,
      timeoutSec: 300,
    },
    {
      id: 'S3',
      title: 'full-range connect of the S1 host',
      protocol: 'tcp',
      targets: [HOST_S1],
      ports: ALL_PORTS,
      portlab: ['-sT'],
      nmap: ['-sT', '-T4'],
      masscan: false,
      timeoutSec: 180,
    },
    {
      id: 'S4',
      title: 'UDP, 36 ports (2 open, 31 closed, 3 filtered), ICMP rate-limited',
      protocol: 'udp',
      targets: [HOST_S4],
      ports: S4_PORTS,
      portlab: ['-sU'],
      nmap: ['-sU'],
      masscan: false,
      timeoutSec: 180,
    },
    {
      id: 'S5',
      title: 'SYN, top-1000 ports, 16 hosts',
      protocol: 'tcp',
      targets: S5_HOSTS,
      ports: top1000,
      portlab: ['-sS'],
      nmap: ['-sS', '-T4'],
      masscan: true,
      timeoutSec: 300,
    },
  ];
  if (withSourceIps) {
    const s4 = list.find((s) => s.id === 'S4')!;
    list.splice(4, 0, { ...s4, id: 'S4-src8', title: `${s4.title}, --source-ips of 8 addresses`, portlab: ['-sU', '--source-ips', SOURCE_IPS] });
  }
  return list;
}

/** nmap and PortLab both accept `a,b,c-d`; ranges keep the command line short. */
export function portSpec(ports: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ports.length;) {
    let j = i;
    while (j + 1 < ports.length && ports[j + 1] === ports[j]! + 1) j++;
    parts.push(i === j ? `${ports[i]}` : `${ports[i]}-${ports[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
