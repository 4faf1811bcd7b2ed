import {
  ICMP_DEST_UNREACH,
  ICMP_TIME_EXCEEDED,
  ICMPV6_CODE_ERRONEOUS_HEADER,
  ICMPV6_CODE_UNKNOWN_NEXT_HEADER,
  ICMPV6_DEST_UNREACH,
  ICMPV6_PARAMETER_PROBLEM,
} from '../wire';
import type { Reason } from '../protocol';
import type { Answer, PortVerdict } from './types';

type IcmpAnswer = Extract<Answer, { kind: 'icmp' }>;

/**
 * nmap's reason word for the ICMP errors that decide a port (scan_engine_raw.cc, portreasons.cc): destination
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

/**
 * The same for ICMPv6 destination unreachable (type 1, RFC 4443 codes 0-6), as nmap words them: the failed
 * ingress/egress policy (5) is admin-prohibited like 1, address unreachable (3) is host-unreach.
 */
const UNREACHABLE_REASON_BY_CODE_V6: ReadonlyMap<number, Reason> = new Map<number, Reason>([
  [0, 'no-route'],
  [1, 'admin-prohibited'],
  [2, 'beyond-scope'],
  [3, 'host-unreach'],
  [4, 'port-unreach'],
  [5, 'admin-prohibited'],
  [6, 'reject-route'],
]);

/**
 * Over IPv6 nmap reads only destination unreachable and parameter problem (codes 0 and 1): an ICMPv6 time
 * exceeded or packet too big quoting a probe decides nothing, unlike ICMP's time exceeded.
 */
export function icmpErrorReason(answer: IcmpAnswer): Reason | undefined {
  const { type, code } = answer;
  if (answer.ipVersion === 6) {
    if (type === ICMPV6_DEST_UNREACH) return UNREACHABLE_REASON_BY_CODE_V6.get(code);
    return type === ICMPV6_PARAMETER_PROBLEM && code <= ICMPV6_CODE_UNKNOWN_NEXT_HEADER ? 'param-problem' : undefined;
  }
  if (type === ICMP_TIME_EXCEEDED) return 'time-exceeded';
  return type === ICMP_DEST_UNREACH ? UNREACHABLE_REASON_BY_CODE.get(code) : undefined;
}

/**
 * The raw techniques' reading of an ICMP error: any that names a reason filters the port, whoever sent it,
 * but for nmap's one exception: an ICMPv6 parameter problem "erroneous header field" (4/0) says the target
 * understood the probe's header, so nmap calls the port open.
 */
export function filteredByIcmp(answer: IcmpAnswer): PortVerdict | undefined {
  const reason = icmpErrorReason(answer);
  if (!reason) return undefined;
  const understood = answer.ipVersion === 6 && answer.type === ICMPV6_PARAMETER_PROBLEM && answer.code === ICMPV6_CODE_ERRONEOUS_HEADER;
  return { state: understood ? 'open' : 'filtered', reason };
}
