import { TCP_ACK, TCP_FIN, TCP_RST } from '../wire';
import { filteredByIcmp } from './icmp';
import { probeLabel, tcpProbeSender } from './tcp-probe';
import type { Answer, PortVerdict, RawTechnique, TcpProbe, TextbookWords } from './types';

const probe: TcpProbe = { flags: TCP_FIN | TCP_ACK };
const label = probeLabel(probe);
const unanswered = (w: TextbookWords) => `${label}, ${w.noAnswer}`;

/**
 * Maimon scan (-sM, Uriel Maimon, Phrack 49): a FIN/ACK. RFC 793 has every port answer a segment
 * carrying ACK with RST, but BSD-derived stacks drop it on a listening port; where they do, silence
 * means open|filtered and a RST closed, as in the FIN scan. The RST answers an ACK, so it carries
 * none itself. A stack that follows RFC 793 (Linux) resets open ports too: every port reads closed.
 */
export const maimon: RawTechnique = {
  name: 'maimon',
  displayName: 'Maimon',
  nmapFlag: 'M',
  nmapScanType: 'maimon',
  protocol: 'tcp',
  probe,
  ...tcpProbeSender(probe),
  classify(answer: Answer): PortVerdict | undefined {
    if (answer.kind === 'tcp') return answer.flags & TCP_RST ? { state: 'closed', reason: 'reset' } : undefined;
    return answer.kind === 'icmp' ? filteredByIcmp(answer) : undefined;
  },
  noResponse: { state: 'open|filtered', reason: 'no-response' },
  defaultRetries: 1,
  // The textbook's open row is Maimon's BSD stack; an open port and a dropping firewall are both silent there.
  textbook: {
    open: { expected: unanswered, allows: ['open|filtered'] },
    closed: { expected: () => `${label} → R`, allows: ['closed'] },
    filtered: { expected: (w) => `${w.noAnswer} / ICMP 3`, allows: ['filtered', 'open|filtered'] },
    'open|filtered': { expected: unanswered, allows: ['open|filtered'] },
    unfiltered: { expected: (w) => `${unanswered(w)} / ${label} → R`, allows: ['open|filtered', 'closed'] },
    'closed|filtered': { expected: (w) => `${label} → R / ${w.noAnswer} / ICMP 3`, allows: ['closed', 'filtered', 'open|filtered'] },
  },
};
