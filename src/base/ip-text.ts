/**
 * Whether an address string (already validated as an IP address, a zone "%eth0" allowed) is IPv6: every IPv6
 * text form has a colon, no IPv4 one has. Not node:net's isIPv6, which validates too: its regular expression
 * costs 5-7 ms to compile in every process that first calls it, which a scan's start paid.
 */
export function isIpv6Address(s: string): boolean {
  return s.includes(':');
}
