import type { Reason } from './scan';

/**
 * nmap's reason word for the ICMP errors that decide a port (scan_engine_raw.cc): destination
 * unreachable (type 3) with codes 0, 1, 2, 3, 9, 10, 13 (RFC 792 / RFC 1812), and time exceeded
 * (type 11) with any code: the probe died on the way. Other types and codes decide nothing.
 * The engine classifies answers with it and the report checks captured exchanges with it.
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

export const ICMP_TYPE_DEST_UNREACH = 3;
export const ICMP_TYPE_TIME_EXCEEDED = 11;

export function icmpErrorReason(type: number, code: number): Reason | undefined {
  if (type === ICMP_TYPE_TIME_EXCEEDED) return 'time-exceeded';
  return type === ICMP_TYPE_DEST_UNREACH ? UNREACHABLE_REASON_BY_CODE.get(code) : undefined;
}
