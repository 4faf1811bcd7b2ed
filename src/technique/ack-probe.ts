import { TCP_ACK } from '../wire';
import { probeLabel } from './tcp-probe';
import type { TcpProbe, TextbookWords } from './types';

/**
 * The probe of the ACK and Window scans: a lone ACK, which belongs to no connection. By RFC 793
 * (p. 65) a port answers it with RST whether a listener is there or not, the RST's sequence number
 * taken from the probe's acknowledgement and without an ACK of its own.
 */
export const ACK_PROBE: TcpProbe = { flags: TCP_ACK };

export const ACK_LABEL = probeLabel(ACK_PROBE);

/** Both scans' filtered column: the probe and its retries met with silence, or an ICMP unreachable. */
export const ackUnanswered = (w: TextbookWords): string => `${ACK_LABEL}, ${ACK_LABEL} (${w.retries}), ${w.noAnswer} / ICMP 3`;
