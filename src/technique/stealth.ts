import { TCP_ACK, TCP_RST } from '../wire';
import { filteredByIcmp } from './icmp';
import { probeLabel, tcpProbeSender } from './tcp-probe';
import type { Answer, PortVerdict, RawTechnique, TcpProbe, TextbookWords } from './types';

/**
 * FIN, NULL, Xmas and Maimon scans differ only in their flags (RFC 793, p. 65): a closed port answers any
 * segment without SYN/RST/ACK with a RST, an open port drops it, so silence is open|filtered. Maimon's
 * FIN/ACK carries an ACK, which RFC 793 has every port reset (Linux does) and BSD stacks drop on a
 * listening port; a RST answering an ACK carries none itself.
 */
export function stealthTechnique(name: 'fin' | 'null' | 'xmas' | 'maimon', displayName: string, nmapFlag: string, flags: number): RawTechnique {
  const probe: TcpProbe = { flags };
  const label = probeLabel(probe);
  const unanswered = (w: TextbookWords) => `${label}, ${w.noAnswer}`;
  const reset = `${label} → ${flags & TCP_ACK ? 'R' : 'RA'}`;
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
    // An open port and a dropping firewall are both silent: the scan cannot tell those columns apart (Maimon's open
    // column is the BSD stack of its paper).
    textbook: {
      open: { expected: unanswered, allows: ['open|filtered'] },
      closed: { expected: () => reset, allows: ['closed'] },
      filtered: { expected: (w) => `${w.noAnswer} / ICMP 3`, allows: ['filtered', 'open|filtered'] },
      'open|filtered': { expected: unanswered, allows: ['open|filtered'] },
      unfiltered: { expected: (w) => `${unanswered(w)} / ${reset}`, allows: ['open|filtered', 'closed'] },
      'closed|filtered': { expected: (w) => `${reset} / ${w.noAnswer} / ICMP 3`, allows: ['closed', 'filtered', 'open|filtered'] },
    },
  };
}
