import { buildUdpPacket } from '../wire';
import { filteredByIcmp, icmpErrorReason } from './icmp';
import type { Answer, PortVerdict, RawTechnique, UdpProbe } from './types';
import { udpPayloadFor } from './udp-payloads';

const probe: UdpProbe = { payloadFor: udpPayloadFor };

/**
 * UDP scan (-sU): a datagram (with a protocol payload on well-known ports). Any UDP answer means open;
 * port-unreachable from the target itself means closed, while the same error from a router on the
 * way says nothing about the port's listener, only that the path is filtered.
 */
export const udp: RawTechnique = {
  name: 'udp',
  displayName: 'UDP',
  nmapFlag: 'U',
  nmapScanType: 'udp',
  protocol: 'udp',
  probe,
  buildProbe: ({ srcIp, dstIp, srcPort, dstPort }) => buildUdpPacket({ srcIp, dstIp, srcPort, dstPort, payload: probe.payloadFor(dstPort) }),
  expectedAck: () => undefined,
  classify(answer: Answer): PortVerdict | undefined {
    if (answer.kind === 'udp') return { state: 'open', reason: 'udp-response' };
    if (answer.kind === 'icmp') {
      if (icmpErrorReason(answer) === 'port-unreach' && answer.fromTarget) return { state: 'closed', reason: 'port-unreach' };
      return filteredByIcmp(answer);
    }
    return undefined;
  },
  noResponse: { state: 'open|filtered', reason: 'no-response' },
  // Closed ports of a Linux target answer about once a second after a burst of six, so silent
  // ports get more chances than TCP ones before they count as open|filtered.
  defaultRetries: 3,
  // An open service answers only a datagram it understands, so an open port may be silent too.
  textbook: {
    open: { expected: (w) => `${w.datagram} → ${w.answer} (${w.orNone}: open|filtered)`, allows: ['open', 'open|filtered'] },
    closed: { expected: (w) => `${w.datagram} → ICMP 3/3`, allows: ['closed'] },
    filtered: { expected: (w) => `${w.noAnswer} / ICMP 3 (${w.other})`, allows: ['filtered', 'open|filtered'] },
    'open|filtered': { expected: (w) => `${w.datagram}, ${w.noAnswer}`, allows: ['open|filtered'] },
    unfiltered: { expected: (w) => `${w.datagram} → ${w.answer} / ICMP 3/3`, allows: ['open', 'closed', 'open|filtered'] },
    'closed|filtered': { expected: (w) => `${w.datagram} → ICMP 3/3 / ${w.noAnswer} / ICMP 3 (${w.other})`, allows: ['closed', 'filtered', 'open|filtered'] },
  },
};
