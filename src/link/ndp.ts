import { decodeFrame, ETHERTYPE_IPV6, ICMPV6_NEIGHBOR_ADVERTISEMENT, IPPROTO_ICMPV6 } from '../wire';

const ETHERNET_IPV6_ICMP_TYPE_AT = 14 + 40;
/** RFC 4861 section 7.1.2: a neighbour advertisement with any other hop limit crossed a router, and is dropped */
const NDP_HOP_LIMIT = 255;

/**
 * The bytes alone, as isArpFrame: an Ethernet frame of IPv6 whose next header is ICMPv6 and whose message
 * is a neighbour advertisement (which never carries extension headers). The capture callback sees every answer.
 */
export function isNeighborAdvertisementFrame(frame: Uint8Array): boolean {
  return (
    frame.length > ETHERNET_IPV6_ICMP_TYPE_AT &&
    frame[12] === ETHERTYPE_IPV6 >> 8 &&
    frame[13] === (ETHERTYPE_IPV6 & 0xff) &&
    frame[20] === IPPROTO_ICMPV6 &&
    frame[ETHERNET_IPV6_ICMP_TYPE_AT] === ICMPV6_NEIGHBOR_ADVERTISEMENT
  );
}

/**
 * The MAC a neighbour advertisement gives for `ip` (its target link-layer option, else the frame's source),
 * or undefined when the frame is not a valid advertisement for that address.
 */
export function advertisedMac(frame: Uint8Array, ip: string): string | undefined {
  const d = decodeFrame(frame);
  const neighbor = d?.icmp6?.type === ICMPV6_NEIGHBOR_ADVERTISEMENT ? d.icmp6.neighbor : undefined;
  if (!neighbor || neighbor.target !== ip || d!.ip6!.hopLimit !== NDP_HOP_LIMIT || d!.l4ChecksumOk !== true) return undefined;
  return neighbor.targetMac ?? d!.eth!.src;
}
