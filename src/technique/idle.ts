import { buildTcpPacket, mssOption, TCP_ACK, TCP_SYN } from '../wire';
import { PREDICTABLE_SEQUENCES } from './ipid-sequence';
import { tcpProbeSender } from './tcp-probe';
import type { Answer, IdleTechnique, PortVerdict, TcpProbe, TextbookWords } from './types';

/** The SYN the target gets from "the zombie", with nmap's MSS option. */
const probe: TcpProbe = { flags: TCP_SYN, options: [mssOption(1460)] };
/** nmap probes the zombie with a SYN/ACK: what the zombie would get from the target anyway, and likelier through its firewall. */
const zombieProbe: TcpProbe = { flags: TCP_SYN | TCP_ACK, options: [mssOption(1460)] };
/** nmap's window for the zombie probes, as for every raw probe */
const ZOMBIE_PROBE_WINDOW = 1024;

const OPEN: PortVerdict = { state: 'open', reason: 'ipid-change' };
const NOT_OPEN: PortVerdict = { state: 'closed|filtered', reason: 'no-ipid-change' };

// The zombie's IP IDs in the textbook's arrow notation: "R#n" is its RST with IP ID n.
const before = 'SA → R#n';
const spoofed = (w: TextbookWords) => `S(${w.spoofed})`;
const open = (w: TextbookWords) => `${before}, ${spoofed(w)} → SA → R#n+1, SA → R#n+2`;
const closed = (w: TextbookWords) => `${before}, ${spoofed(w)} → RA, SA → R#n+1`;
const filtered = (w: TextbookWords) => `${before}, ${spoofed(w)}, ${w.noAnswer} / ICMP 3, SA → R#n+1`;

/**
 * Idle scan (-sI ZOMBIE[:PROBEPORT]): the SYN reaches the target from the zombie's address. An open port
 * answers the zombie with SYN/ACK, which the zombie resets, spending one IP ID; a closed port's RST/ACK
 * and a firewall's silence or ICMP error cost the zombie nothing. So a rise of the zombie's IP ID by one
 * per port beyond the scanner's own probes means open, no rise closed|filtered (nmap's words). A group of
 * ports that rose is not decided here: the scan splits it and counts each half (src/engine/idle).
 */
export const idle: IdleTechnique = {
  name: 'idle',
  displayName: 'Idle',
  nmapFlag: 'I',
  // nmap 7.93 writes no <scaninfo> for -sI: output.cc's list of scan types leaves the idle scan out.
  nmapScanType: undefined,
  protocol: 'tcp',
  probe,
  zombieProbe,
  defaultProbePort: 80,
  usableSequences: PREDICTABLE_SEQUENCES,
  buildProbe: tcpProbeSender(probe).buildProbe,
  buildZombieProbe: ({ ack, ...fields }) =>
    buildTcpPacket({ ...fields, ack, flags: zombieProbe.flags, window: ZOMBIE_PROBE_WINDOW, options: zombieProbe.options ?? [] }),
  classify(answer: Answer): PortVerdict | undefined {
    if (answer.kind !== 'ipid') return undefined;
    if (answer.rise === 0) return NOT_OPEN;
    return answer.ports === 1 && answer.rise === 1 ? OPEN : undefined;
  },
  // A port whose group never showed a rise is what nmap leaves closed|filtered.
  noResponse: NOT_OPEN,
  // No spoofed SYN is sent twice: a count in doubt is taken again as a whole (a new round of the group).
  defaultRetries: 0,
  textbook: {
    open: { expected: open, allows: ['open'] },
    closed: { expected: closed, allows: ['closed|filtered'] },
    filtered: { expected: filtered, allows: ['closed|filtered'] },
    'open|filtered': { expected: (w) => `${open(w)} / ${filtered(w)}`, allows: ['open', 'closed|filtered'] },
    unfiltered: { expected: (w) => `${open(w)} / ${closed(w)}`, allows: ['open', 'closed|filtered'] },
    'closed|filtered': { expected: (w) => `${closed(w)} / ${filtered(w)}`, allows: ['closed|filtered'] },
  },
};
