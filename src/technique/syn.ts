import { mssOption, TCP_ACK, TCP_RST, TCP_SYN } from '../wire';
import { handshakeTextbook } from './handshake-textbook';
import { filteredByIcmp } from './icmp';
import { tcpProbeSender } from './tcp-probe';
import type { Answer, PortVerdict, RawTechnique, TcpProbe } from './types';

/** An MSS option as nmap sends: some stacks ignore a SYN without any option. */
const probe: TcpProbe = { flags: TCP_SYN, options: [mssOption(1460)] };

/** Half-open scan (-sS): a SYN; SYN/ACK means open, RST closed, silence or ICMP unreachable filtered. */
export const syn: RawTechnique = {
  name: 'syn',
  displayName: 'SYN',
  nmapFlag: 'S',
  nmapScanType: 'syn',
  protocol: 'tcp',
  probe,
  ...tcpProbeSender(probe),
  classify(answer: Answer): PortVerdict | undefined {
    if (answer.kind === 'tcp') {
      // RST first: a segment with both SYN and RST is a reset, not an accepted connection.
      if (answer.flags & TCP_RST) return { state: 'closed', reason: 'reset' };
      // A bare SYN (split handshake, simultaneous open) also shows a listening port, as in nmap.
      if (answer.flags & TCP_SYN) return { state: 'open', reason: answer.flags & TCP_ACK ? 'syn-ack' : 'split-handshake-syn' };
      return undefined;
    }
    return answer.kind === 'icmp' ? filteredByIcmp(answer) : undefined;
  },
  noResponse: { state: 'filtered', reason: 'no-response' },
  defaultRetries: 1,
  // The scanner's kernel knows of no connection, so it resets the SYN/ACK itself.
  textbook: handshakeTextbook(() => 'S → SA → R'),
};
