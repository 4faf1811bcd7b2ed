import { ICMP_DEST_UNREACH, ICMPV6_DEST_UNREACH } from '../wire';
import { connectErrnoForIcmp, connectErrnoForIcmpv6 } from '../technique';

/**
 * The errno a connect() in progress gets for a destination-unreachable ICMP (`ipVersion` 4) or ICMPv6 (6)
 * error, which the report names beside the packet; undefined for other types, which it words as they are.
 */
export function connectErrnoForIcmpAnswer(ipVersion: 4 | 6, type: number, code: number): string | undefined {
  if (ipVersion === 6) return type === ICMPV6_DEST_UNREACH ? connectErrnoForIcmpv6(type, code) : undefined;
  return type === ICMP_DEST_UNREACH ? connectErrnoForIcmp(type, code) : undefined;
}
