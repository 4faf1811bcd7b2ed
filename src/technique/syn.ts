import { mssOption, TCP_ACK, TCP_RST, TCP_SYN } from '../wire';
import { icmpErrorReason } from '../protocol';
import { ackFor, buildTcpProbe, tcpProbeTemplate } from './tcp-probe';
import type { Answer, RawTechnique, Verdict } from './types';

/** Half-open scan: a SYN; SYN/ACK means open, RST closed, silence or ICMP unreachable filtered. */
export const syn: RawTechnique = {
  name: 'syn',
  protocol: 'tcp',
  // An MSS option as nmap sends: some stacks ignore a SYN without any option.
  buildProbe: (fields) => buildTcpProbe(fields, TCP_SYN, [mssOption(1460)]),
  probeTemplate: (base) => tcpProbeTemplate(base, TCP_SYN, [mssOption(1460)]),
  expectedAck: (seq) => ackFor(seq, TCP_SYN),
  classify(answer: Answer): Verdict | undefined {
    if (answer.kind === 'tcp') {
      // RST first: a segment with both SYN and RST is a reset, not an accepted connection.
      if (answer.flags & TCP_RST) return { state: 'closed', reason: 'reset' };
      // A bare SYN (split handshake, simultaneous open) also shows a listening port, as in nmap.
      if (answer.flags & TCP_SYN) return { state: 'open', reason: answer.flags & TCP_ACK ? 'syn-ack' : 'split-handshake-syn' };
      return undefined;
    }
    if (answer.kind === 'icmp') {
      const reason = icmpErrorReason(answer.type, answer.code);
      return reason ? { state: 'filtered', reason } : undefined;
    }
    return undefined;
  },
  noResponse: { state: 'filtered', reason: 'no-response' },
  defaultRetries: 1,
};
