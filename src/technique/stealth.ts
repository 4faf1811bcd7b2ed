import { TCP_RST } from '../wire';
import { icmpErrorReason } from '../protocol';
import { ackFor, buildTcpProbe, tcpProbeTemplate } from './tcp-probe';
import type { Answer, RawTechnique, Verdict } from './types';

/**
 * FIN, NULL and Xmas scans differ only in their flags (RFC 793, p. 65): a closed port answers any
 * segment without SYN/RST/ACK with a RST, an open port drops it, so silence is open|filtered.
 */
export function stealthTechnique(name: 'fin' | 'null' | 'xmas', flags: number): RawTechnique {
  return {
    name,
    protocol: 'tcp',
    buildProbe: (fields) => buildTcpProbe(fields, flags),
    probeTemplate: (base) => tcpProbeTemplate(base, flags),
    expectedAck: (seq) => ackFor(seq, flags),
    classify(answer: Answer): Verdict | undefined {
      if (answer.kind === 'tcp') return answer.flags & TCP_RST ? { state: 'closed', reason: 'reset' } : undefined;
      if (answer.kind === 'icmp') {
        const reason = icmpErrorReason(answer.type, answer.code);
        return reason ? { state: 'filtered', reason } : undefined;
      }
      return undefined;
    },
    noResponse: { state: 'open|filtered', reason: 'no-response' },
    defaultRetries: 1,
  };
}
