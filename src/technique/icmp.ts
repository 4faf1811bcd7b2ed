import { ICMP_DEST_UNREACH, ICMP_TIME_EXCEEDED } from '../wire';
import type { Reason } from '../protocol';
import type { Answer, PortVerdict } from './types';

/**
 * nmap's reason word for the ICMP errors that decide a port (scan_engine_raw.cc): destination
 * unreachable (type 3) with codes 0, 1, 2, 3, 9, 10, 13 (RFC 792 / RFC 1812), and time exceeded
 * (type 11) with any code: the probe died on the way. Other types and codes decide nothing.
 */
const UNREACHABLE_REASON_BY_CODE: ReadonlyMap<number, Reason> = new Map<number, Reason>([
  [0, 'net-unreach'],
  [1, 'host-unreach'],
  [2, 'proto-unreach'],
  [3, 'port-unreach'],
  [9, 'net-prohibited'],
  [10, 'host-prohibited'],
  [13, 'admin-prohibited'],
]);

export function icmpErrorReason(type: number, code: number): Reason | undefined {
  if (type === ICMP_TIME_EXCEEDED) return 'time-exceeded';
  return type === ICMP_DEST_UNREACH ? UNREACHABLE_REASON_BY_CODE.get(code) : undefined;
}

/** The raw TCP techniques' reading of an ICMP error: any that names a reason filters the port, whoever sent it. */
export function filteredByIcmp(answer: Extract<Answer, { kind: 'icmp' }>): PortVerdict | undefined {
  const reason = icmpErrorReason(answer.type, answer.code);
  return reason ? { state: 'filtered', reason } : undefined;
}
