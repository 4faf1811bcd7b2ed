import { TCP_RST } from '../wire';
import { filteredByIcmp } from './icmp';
import { probeLabel, tcpProbeSender } from './tcp-probe';
import type { Answer, PortVerdict, RawTechnique, TcpProbe, TextbookWords } from './types';

/**
 * FIN, NULL and Xmas scans differ only in their flags (RFC 793, p. 65): a closed port answers any
 * segment without SYN/RST/ACK with a RST, an open port drops it, so silence is open|filtered.
 */
export function stealthTechnique(name: 'fin' | 'null' | 'xmas', displayName: string, nmapFlag: string, flags: number): RawTechnique {
  const probe: TcpProbe = { flags };
  const label = probeLabel(probe);
  const unanswered = (w: TextbookWords) => `${label}, ${w.noAnswer}`;
  return {
    name,
    displayName,
    nmapFlag,
    nmapScanType: name,
    protocol: 'tcp',
    probe,
    ...tcpProbeSender(probe),
    classify(answer: Answer): PortVerdict | undefined {
      if (answer.kind === 'tcp') return answer.flags & TCP_RST ? { state: 'closed', reason: 'reset' } : undefined;
      return answer.kind === 'icmp' ? filteredByIcmp(answer) : undefined;
    },
    noResponse: { state: 'open|filtered', reason: 'no-response' },
    defaultRetries: 1,
    // An open port and a dropping firewall are both silent: the scan cannot tell those columns apart.
    textbook: {
      open: { expected: unanswered, allows: ['open|filtered'] },
      closed: { expected: () => `${label} → RA`, allows: ['closed'] },
      filtered: { expected: (w) => `${w.noAnswer} / ICMP 3`, allows: ['filtered', 'open|filtered'] },
      'open|filtered': { expected: unanswered, allows: ['open|filtered'] },
      unfiltered: { expected: (w) => `${unanswered(w)} / ${label} → RA`, allows: ['open|filtered', 'closed'] },
      'closed|filtered': { expected: (w) => `${label} → RA / ${w.noAnswer} / ICMP 3`, allows: ['closed', 'filtered', 'open|filtered'] },
    },
  };
}
