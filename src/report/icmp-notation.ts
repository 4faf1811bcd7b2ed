import { ICMP_CODE_PORT_UNREACH, ICMP_DEST_UNREACH, ICMPV6_CODE_PORT_UNREACH, ICMPV6_DEST_UNREACH } from '../wire';

/** The IP version of a target address as PortLab writes it (an IPv6 one has colons). */
export function ipVersionOfAddress(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/** "ICMP" or "ICMPv6": the error protocol of that IP version. */
export function icmpName(ipVersion: 4 | 6): string {
  return ipVersion === 6 ? 'ICMPv6' : 'ICMP';
}

/** A port-unreachable in the arrow notation: ICMP 3/3, or ICMPv6 1/4. */
export function portUnreachableLabel(ipVersion: 4 | 6): string {
  return ipVersion === 6 ? `ICMPv6 ${ICMPV6_DEST_UNREACH}/${ICMPV6_CODE_PORT_UNREACH}` : `ICMP ${ICMP_DEST_UNREACH}/${ICMP_CODE_PORT_UNREACH}`;
}

/** The sysctl that paces a Linux host's errors of that IP version, 1000 ms by default for both. */
export function icmpRateLimitSysctl(ipVersion: 4 | 6): string {
  return ipVersion === 6 ? 'net.ipv6.icmp.ratelimit' : 'net.ipv4.icmp_ratelimit';
}

const V4_PORT_UNREACH = new RegExp(`ICMP ${ICMP_DEST_UNREACH}/${ICMP_CODE_PORT_UNREACH}(?!\\d)`, 'g');
const V4_UNREACH = new RegExp(`ICMP ${ICMP_DEST_UNREACH}(?![\\d/])`, 'g');

/**
 * A textbook cell as it reads over `ipVersion`: the technique table writes the IPv4 arrows (ICMP 3/3
 * port-unreachable, ICMP 3 any unreachable); over IPv6 the same answers are ICMPv6 1/4 and ICMPv6 1.
 */
export function textbookInIpVersion(text: string, ipVersion: 4 | 6): string {
  if (ipVersion === 4) return text;
  return text.replace(V4_PORT_UNREACH, portUnreachableLabel(6)).replace(V4_UNREACH, `ICMPv6 ${ICMPV6_DEST_UNREACH}`);
}
