import { ipv4ToU32, ipv6ToBytes, isIpv6Address } from './address';

/** Unfolded one's-complement sum of big-endian 16-bit words of bytes[start, end), added to `sum`. */
export function sumWords(bytes: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  // Sums stay far below 2^53 for any packet size, so folding once at the end is enough.
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Fold a sum to 16 bits and complement it: the value written into a checksum field. */
export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** RFC 1071 Internet checksum of bytes[start, end). */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return foldChecksum(sumWords(bytes, start, end));
}

/**
 * Sum of the TCP/UDP/ICMPv6 pseudo-header (source, destination, protocol, L4 length): IPv4's (RFC 793)
 * for dotted quads and numbers, IPv6's (RFC 8200 section 8.1) for IPv6 addresses.
 */
export function pseudoHeaderSum(src: string | number, dst: string | number, protocol: number, l4Length: number): number {
  if (typeof src === 'string' && typeof dst === 'string' && isIpv6Address(src)) return pseudoHeaderSum6(ipv6ToBytes(src), ipv6ToBytes(dst), protocol, l4Length);
  const s = typeof src === 'number' ? src : ipv4ToU32(src);
  const d = typeof dst === 'number' ? dst : ipv4ToU32(dst);
  return (s >>> 16) + (s & 0xffff) + (d >>> 16) + (d & 0xffff) + protocol + l4Length;
}

/** IPv6's pseudo-header sum from the 16-byte addresses; the 32-bit length adds as two words. */
export function pseudoHeaderSum6(src: Uint8Array, dst: Uint8Array, protocol: number, l4Length: number): number {
  return sumWords(src, 0, 16, sumWords(dst, 0, 16)) + protocol + (l4Length >>> 16) + (l4Length & 0xffff);
}
