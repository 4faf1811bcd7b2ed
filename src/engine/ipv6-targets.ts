import ipaddr from 'ipaddr.js';
import { UserError } from '../base/errors';

/**
 * The IPv6 addresses a discovery sweeps at most: a /112, as many as the IPv4 limit (a /16). A /64, the
 * usual IPv6 subnet, holds 2^64 addresses and cannot be swept address by address; nmap 7.93 takes any
 * prefix (`-sL` counts through a /0) and would run forever, so PortLab refuses instead.
 */
export const MIN_DISCOVER_PREFIX_V6 = 112;

const toBig = (a: ipaddr.IPv6) => a.toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);
const fromBig = (n: bigint) => ipaddr.fromByteArray(Array.from({ length: 16 }, (_, i) => Number((n >> BigInt(8 * (15 - i))) & 0xffn))).toString();

/**
 * The addresses of an IPv6 spec: an address, or a CIDR of at most a /112. Every address of a CIDR is
 * swept, the all-zero one too: IPv6 has no broadcast, and that one is the subnet's routers (RFC 4291).
 */
export function expandIpv6Targets(spec: string): string[] {
  const text = spec.trim();
  if (!text.includes('/')) {
    if (!ipaddr.IPv6.isValid(text) || text.includes('%')) throw new UserError(`"${spec}" is not an IPv6 address or CIDR such as 2001:2:0:240::/120`);
    return [ipaddr.IPv6.parse(text).toString()];
  }
  let bits: number;
  let network: ipaddr.IPv6;
  try {
    [, bits] = ipaddr.IPv6.parseCIDR(text);
    network = ipaddr.IPv6.networkAddressFromCIDR(text);
  } catch {
    throw new UserError(`"${spec}" is not an IPv6 CIDR such as 2001:2:0:240::/120`);
  }
  if (bits < MIN_DISCOVER_PREFIX_V6)
    throw new UserError(
      `${spec} has 2^${128 - bits} addresses; an IPv6 discovery sweeps at most a /${MIN_DISCOVER_PREFIX_V6} (${2 ** (128 - MIN_DISCOVER_PREFIX_V6)} addresses): name a part of it, such as ${network.toString()}/120`,
    );
  const first = toBig(network);
  return Array.from({ length: 2 ** (128 - bits) }, (_, i) => fromBig(first + BigInt(i)));
}
