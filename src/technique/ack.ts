import { TCP_RST } from '../wire';
import { ACK_LABEL, ACK_PROBE, ackUnanswered } from './ack-probe';
import { filteredByIcmp } from './icmp';
import { tcpProbeSender } from './tcp-probe';
import type { Answer, PortVerdict, RawTechnique } from './types';

const reset = () => `${ACK_LABEL} → R`;

/**
 * ACK scan (-sA): maps a firewall rather than services. Open and closed ports both answer the lone
 * ACK with RST, so a RST means only that the probe got through (unfiltered); silence after retries
 * or an ICMP unreachable means a firewall stopped it (filtered).
 */
export const ack: RawTechnique = {
  name: 'ack',
  displayName: 'ACK',
  nmapFlag: 'A',
  nmapScanType: 'ack',
  protocol: 'tcp',
  probe: ACK_PROBE,
  ...tcpProbeSender(ACK_PROBE),
  classify(answer: Answer): PortVerdict | undefined {
    if (answer.kind === 'tcp') return answer.flags & TCP_RST ? { state: 'unfiltered', reason: 'reset' } : undefined;
    return answer.kind === 'icmp' ? filteredByIcmp(answer) : undefined;
  },
  noResponse: { state: 'filtered', reason: 'no-response' },
  defaultRetries: 1,
  // Open or closed makes no difference to this probe: both columns expect the same RST.
  textbook: {
    open: { expected: reset, allows: ['unfiltered'] },
    closed: { expected: reset, allows: ['unfiltered'] },
    filtered: { expected: ackUnanswered, allows: ['filtered'] },
    'open|filtered': { expected: ackUnanswered, allows: ['open|filtered'] },
    unfiltered: { expected: reset, allows: ['unfiltered'] },
    'closed|filtered': { expected: (w) => `${reset()} / ${ackUnanswered(w)}`, allows: ['unfiltered', 'filtered'] },
  },
};
