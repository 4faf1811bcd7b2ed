import type { LabPort, LabTruth, Protocol } from '../protocol';
import { filterRule } from './firewall';

export interface LabPortTruth {
  port: number;
  protocol: Protocol;
  truth: LabTruth;
}

/** Which service makes an open port open. */
export const DNS_PORT = 53;
export const LISTENER_TCP_PORTS = [22, 80] as const;
export const LISTENER_UDP_ECHO_PORTS = [7] as const;

/**
 * The lab's known answer for each port of the target; every port not listed is closed with no rule.
 * Order: TCP then UDP, open · closed · drop · reject, as the report lists them.
 */
export const LAB_TRUTH: readonly LabPortTruth[] = [
  { port: 22, protocol: 'tcp', truth: 'open' },
  { port: 53, protocol: 'tcp', truth: 'open' },
  { port: 80, protocol: 'tcp', truth: 'open' },
  { port: 23, protocol: 'tcp', truth: 'closed' },
  { port: 443, protocol: 'tcp', truth: 'closed' },
  { port: 25, protocol: 'tcp', truth: 'filtered-drop' },
  { port: 8080, protocol: 'tcp', truth: 'filtered-drop' },
  { port: 110, protocol: 'tcp', truth: 'filtered-reject' },
  { port: 3306, protocol: 'tcp', truth: 'filtered-reject' },
  { port: 7, protocol: 'udp', truth: 'open' },
  { port: 53, protocol: 'udp', truth: 'open' },
  { port: 69, protocol: 'udp', truth: 'closed' },
  { port: 162, protocol: 'udp', truth: 'closed' },
  { port: 123, protocol: 'udp', truth: 'filtered-drop' },
  { port: 137, protocol: 'udp', truth: 'filtered-drop' },
  { port: 514, protocol: 'udp', truth: 'filtered-reject' },
  { port: 1900, protocol: 'udp', truth: 'filtered-reject' },
];

/**
 * The stateless host's ports: the lesson of the ACK scan. Its firewall keeps no connection state, so it
 * can only judge each segment by its flags: 80 drops connection openings (SYN without ACK) but lets an
 * ACK reach the listener, which a SYN scan shows filtered and an ACK scan unfiltered; 25 drops
 * everything, which both show filtered. Every port not listed is closed.
 */
export const STATELESS_TRUTH: readonly LabPortTruth[] = [
  { port: 22, protocol: 'tcp', truth: 'open' },
  { port: 80, protocol: 'tcp', truth: 'filtered-syn' },
  { port: 23, protocol: 'tcp', truth: 'closed' },
  { port: 25, protocol: 'tcp', truth: 'filtered-drop' },
];

/** The stateless host's listener: its open ports and the one behind the SYN rule. */
export const STATELESS_LISTENER_TCP_PORTS = STATELESS_TRUTH.filter((p) => p.truth === 'open' || p.truth === 'filtered-syn').map((p) => p.port);

/** The truth of any port of the target: listed ports as above, all others closed. */
export function labTruthOf(port: number, protocol: Protocol): LabTruth {
  return LAB_TRUTH.find((p) => p.port === port && p.protocol === protocol)?.truth ?? 'closed';
}

type LabService = NonNullable<LabPort['service']>;

/** What answers on a port with a listener of the lab. */
function serviceOf(port: number, protocol: Protocol): LabService {
  if (port === DNS_PORT) return 'dns';
  if (protocol === 'udp') return 'udp-echo';
  return port === 22 ? 'ssh-banner' : port === 80 ? 'http' : 'tcp-accept';
}

/** "198.18.0.2:22 and [2001:2:0:0::2]:22": where a listener of both families listens. */
function endpoints(port: number, addresses: readonly string[]): string {
  return addresses.map((a) => (a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`)).join(' and ');
}

function listenerHow(service: LabService, port: number, protocol: Protocol, addresses: readonly string[]): string {
  // "listens on A and B, and answers": the comma keeps the two ands apart.
  const at = `${endpoints(port, addresses)}${addresses.length > 1 ? ',' : ''}`;
  if (service === 'dns') return `dnsmasq listens on ${at} and answers DNS over ${protocol.toUpperCase()} (lab.portlab → ${addresses.join(', ')})`;
  if (service === 'udp-echo') return `portlab lab listen (Node) echoes every datagram sent to ${endpoints(port, addresses)}`;
  const greets = service === 'ssh-banner' ? 'sends an SSH banner' : service === 'http' ? 'answers HTTP requests' : 'accepts connections';
  return `portlab lab listen (Node) listens on ${at} and ${greets}`;
}

function closedHow(protocol: Protocol, host: string): string {
  return protocol === 'tcp'
    ? `no listener and no firewall rule: ${host}'s kernel answers a SYN with RST/ACK`
    : `no listener and no firewall rule: ${host}'s kernel answers ICMP port-unreachable (3/3), as often as net.ipv4.icmp_ratelimit allows`;
}

/** Ports with how each state is made, on a host (`host` names it in the sentences) with these addresses. */
function describePorts(truths: readonly LabPortTruth[], addresses: readonly string[], host: string): LabPort[] {
  return truths.map(({ port, protocol, truth }): LabPort => {
    const rule = filterRule({ port, protocol, truth });
    switch (truth) {
      case 'open': {
        const service = serviceOf(port, protocol);
        return { port, protocol, truth, how: listenerHow(service, port, protocol, addresses), service };
      }
      case 'closed':
        return { port, protocol, truth, how: closedHow(protocol, host) };
      case 'filtered-drop':
        return { port, protocol, truth, how: `nftables in ${host} drops the probe without an answer: ${rule}`, rule };
      case 'filtered-reject':
        return { port, protocol, truth, how: `nftables in ${host} answers ICMP admin-prohibited (3/13, ICMPv6 1/1): ${rule}`, rule };
      case 'filtered-syn': {
        const service = serviceOf(port, protocol);
        const listener = listenerHow(service, port, protocol, addresses);
        return { port, protocol, truth, how: `${listener}, behind a stateless nftables rule that drops only SYN without ACK: ${rule}`, rule, service };
      }
    }
  });
}

/** The target's ports with how each state is made: what the report's "how each port state was simulated" quotes. */
export function labPorts(address: string, address6?: string): LabPort[] {
  return describePorts(LAB_TRUTH, address6 === undefined ? [address] : [address, address6], 'the target');
}

/** The stateless host's ports with how each state is made. */
export function statelessPorts(address: string, address6: string): LabPort[] {
  return describePorts(STATELESS_TRUTH, [address, address6], 'the stateless host');
}
