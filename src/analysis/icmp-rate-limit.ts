import { ICMP_DEST_UNREACH, ICMP_PARAMETER_PROBLEM, ICMP_SOURCE_QUENCH, ICMP_TIME_EXCEEDED, ICMPV6_PACKET_TOO_BIG, isIcmpv6Error } from '../wire';
import type { CapturedPacket } from './captured-packets';

/**
 * Linux limits the ICMP errors a host sends to one destination with a token bucket per peer
 * (inet_peer_xrlim_allow): a token every net.ipv4.icmp_ratelimit (1000 ms by default), at most six
 * saved (XRLIM_BURST_FACTOR), one spent per error. A burst of six goes out at once, then one a second.
 * ICMPv6 errors draw on the same kind of bucket (icmpv6_xrlim_allow, net.ipv6.icmp.ratelimit, 1000 ms).
 */
export const ICMP_TOKEN_MICROS = 1_000_000;
export const ICMP_BURST = 6;

/** The types net.ipv4.icmp_ratemask limits by default (6168): unreachable, source quench, time exceeded, parameter problem. */
const RATE_LIMITED_TYPES = new Set([ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_TIME_EXCEEDED, ICMP_PARAMETER_PROBLEM]);

/** An ICMP error one host sent another, as a capture shows it. */
export interface IcmpErrorSent {
  from: string;
  to: string;
  tMicros: number;
  frame: number;
}

/** net.ipv6.icmp.ratemask's default (0-1,3-127) limits every ICMPv6 error but packet too big. */
function isRateLimitedIcmpv6(type: number): boolean {
  return isIcmpv6Error(type) && type !== ICMPV6_PACKET_TOO_BIG;
}

export function icmpErrorsOf(packets: readonly CapturedPacket[]): IcmpErrorSent[] {
  return packets.flatMap(({ decoded, tMicros, frame }) => {
    if (decoded?.ip && decoded.icmp && RATE_LIMITED_TYPES.has(decoded.icmp.type)) return [{ from: decoded.ip.src, to: decoded.ip.dst, tMicros, frame }];
    if (decoded?.ip6 && decoded.icmp6 && isRateLimitedIcmpv6(decoded.icmp6.type)) return [{ from: decoded.ip6.src, to: decoded.ip6.dst, tMicros, frame }];
    return [];
  });
}

/**
 * The tokens `from` had left for errors to `to` at `atMicros`, replaying the errors the captures show
 * from a full bucket; below one, the kernel sent no error then, whatever the probe deserved.
 */
export function icmpTokensAt(errors: readonly IcmpErrorSent[], from: string, to: string, atMicros: number): number {
  let tokens = ICMP_BURST;
  let last: number | undefined;
  for (const e of errors) {
    if (e.from !== from || e.to !== to || e.tMicros > atMicros) continue;
    if (last !== undefined) tokens = Math.min(ICMP_BURST, tokens + (e.tMicros - last) / ICMP_TOKEN_MICROS);
    tokens = Math.max(0, tokens - 1);
    last = e.tMicros;
  }
  return last === undefined ? tokens : Math.min(ICMP_BURST, tokens + (atMicros - last) / ICMP_TOKEN_MICROS);
}
