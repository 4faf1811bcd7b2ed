import { buildUdpPacket } from '../wire';
import { icmpErrorReason } from '../protocol';
import type { Answer, RawTechnique, Verdict } from './types';
import { udpPayloadFor } from './udp-payloads';

/**
 * UDP scan: a datagram (with a protocol payload on well-known ports). Any UDP answer means open;
 * port-unreachable from the target itself means closed, while the same error from a router on the
 * way says nothing about the port's listener, only that the path is filtered.
 */
export const udp: RawTechnique = {
  name: 'udp',
  protocol: 'udp',
  buildProbe: ({ srcIp, dstIp, srcPort, dstPort }) => buildUdpPacket({ srcIp, dstIp, srcPort, dstPort, payload: udpPayloadFor(dstPort) }),
  expectedAck: () => undefined,
  classify(answer: Answer): Verdict | undefined {
    if (answer.kind === 'udp') return { state: 'open', reason: 'udp-response' };
    if (answer.kind === 'icmp') {
      const reason = icmpErrorReason(answer.type, answer.code);
      if (!reason) return undefined;
      if (reason === 'port-unreach' && answer.fromTarget) return { state: 'closed', reason };
      return { state: 'filtered', reason };
    }
    return undefined;
  },
  noResponse: { state: 'open|filtered', reason: 'no-response' },
  // Closed ports of a Linux target answer about once a second after a burst of six, so silent
  // ports get more chances than TCP ones before they count as open|filtered.
  defaultRetries: 3,
};
