import { ICMP_DEST_UNREACH } from '../packet';
import type { Reason } from '../../protocol';

/**
 * nmap's reason word for the ICMP destination-unreachable codes that mark a port filtered
 * (RFC 792 / RFC 1812 codes 0, 1, 2, 3, 9, 10, 13). Other types and codes decide nothing.
 */
const REASON_BY_CODE: ReadonlyMap<number, Reason> = new Map<number, Reason>([
  [0, 'net-unreach'],
  [1, 'host-unreach'],
  [2, 'proto-unreach'],
  [3, 'port-unreach'],
  [9, 'net-prohibited'],
  [10, 'host-prohibited'],
  [13, 'admin-prohibited'],
]);

export function unreachableReason(type: number, code: number): Reason | undefined {
  return type === ICMP_DEST_UNREACH ? REASON_BY_CODE.get(code) : undefined;
}
