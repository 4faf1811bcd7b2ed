import { TCP_RST } from '../wire';
import { ACK_LABEL, ACK_PROBE, ackUnanswered } from './ack-probe';
import { filteredByIcmp } from './icmp';
import { tcpProbeSender } from './tcp-probe';
import type { Answer, PortVerdict, RawTechnique } from './types';

/**
 * Window scan (-sW): the ACK scan's probe, but the RST's window field is read too. Some stacks (old
 * BSDs, some embedded ones) give the RST of a listening port a non-zero window and that of a closed
 * port window 0; others, Linux among them, give every RST window 0, and then every port that answers
 * reads closed. Silence or an ICMP unreachable means filtered, as for the ACK scan.
 */
export const windowScan: RawTechnique = {
  name: 'window',
  displayName: 'Window',
  nmapFlag: 'W',
  nmapScanType: 'window',
  protocol: 'tcp',
  probe: ACK_PROBE,
  ...tcpProbeSender(ACK_PROBE),
  classify(answer: Answer): PortVerdict | undefined {
    if (answer.kind === 'tcp') {
      if (!(answer.flags & TCP_RST)) return undefined;
      return answer.window > 0 ? { state: 'open', reason: 'reset' } : { state: 'closed', reason: 'reset' };
    }
    return answer.kind === 'icmp' ? filteredByIcmp(answer) : undefined;
  },
  noResponse: { state: 'filtered', reason: 'no-response' },
  defaultRetries: 1,
  // "win" as tcpdump prints the window field.
  textbook: {
    open: { expected: () => `${ACK_LABEL} → R (win > 0)`, allows: ['open'] },
    closed: { expected: () => `${ACK_LABEL} → R (win 0)`, allows: ['closed'] },
    filtered: { expected: ackUnanswered, allows: ['filtered'] },
    'open|filtered': { expected: ackUnanswered, allows: ['open|filtered'] },
    unfiltered: { expected: () => `${ACK_LABEL} → R`, allows: ['open', 'closed'] },
    'closed|filtered': { expected: (w) => `${ACK_LABEL} → R (win 0) / ${ackUnanswered(w)}`, allows: ['closed', 'filtered'] },
  },
};
