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

/** The truth of any port of the target: listed ports as above, all others closed. */
export function labTruthOf(port: number, protocol: Protocol): LabTruth {
  return LAB_TRUTH.find((p) => p.port === port && p.protocol === protocol)?.truth ?? 'closed';
}

type LabService = NonNullable<LabPort['service']>;

/** What answers on an open port of the lab. */
function serviceOf(port: number, protocol: Protocol): LabService {
  if (port === DNS_PORT) return 'dns';
  if (protocol === 'udp') return 'udp-echo';
  return port === 22 ? 'ssh-banner' : port === 80 ? 'http' : 'tcp-accept';
}

function openHow(service: LabService, port: number, protocol: Protocol, address: string): string {
  if (service === 'dns') return `dnsmasq listens on ${address}:${port} and answers DNS over ${protocol.toUpperCase()} (lab.portlab → ${address})`;
  if (service === 'udp-echo') return `portlab lab listen (Node) echoes every datagram sent to ${address}:${port}`;
  const greets = service === 'ssh-banner' ? 'sends an SSH banner' : service === 'http' ? 'answers HTTP requests' : 'accepts connections';
  return `portlab lab listen (Node) listens on ${address}:${port} and ${greets}`;
}

function closedHow(protocol: Protocol): string {
  return protocol === 'tcp'
    ? "no listener and no firewall rule: the target's kernel answers a SYN with RST/ACK"
    : "no listener and no firewall rule: the target's kernel answers ICMP port-unreachable (3/3), as often as net.ipv4.icmp_ratelimit allows";
}

/** The lab's ports with how each state is made: what the report's "how each port state was simulated" quotes. */
export function labPorts(targetAddress: string): LabPort[] {
  return LAB_TRUTH.map(({ port, protocol, truth }): LabPort => {
    switch (truth) {
      case 'open': {
        const service = serviceOf(port, protocol);
        return { port, protocol, truth, how: openHow(service, port, protocol, targetAddress), service };
      }
      case 'closed':
        return { port, protocol, truth, how: closedHow(protocol) };
      case 'filtered-drop': {
        const rule = filterRule({ port, protocol, truth });
        return { port, protocol, truth, how: `nftables in the target drops the probe without an answer: ${rule}`, rule };
      }
      case 'filtered-reject': {
        const rule = filterRule({ port, protocol, truth });
        return { port, protocol, truth, how: `nftables in the target answers ICMP admin-prohibited (3/13): ${rule}`, rule };
      }
    }
  });
}
