import { readU16, readU32 } from './bytes';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LINKTYPE_ETHERNET, LINKTYPE_RAW } from './constants';
import { decodeEtherTypePayload, decodeFrame, type DecodedFrame } from './decode';
import {
  DLT_RAW,
  DLT_RAW_OPENBSD,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  describeLinkType,
} from './link-types';
import { decodeLinuxCooked, LINUX_SLL_HEADER_LENGTH, LINUX_SLL2_HEADER_LENGTH } from './linux-cooked';

const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const VLAN_TAG_LENGTH = 4;
const VLAN_ID_MASK = 0x0fff;
/** the BSD loopback header: the packet's address family as a 32-bit word */
const LOOPBACK_HEADER_LENGTH = 4;
/** AF_INET: 2 on every system that writes these headers (AF_INET6 differs between them) */
const AF_INET = 2;
/** AF_INET6 differs: 24 on NetBSD and OpenBSD, 28 on FreeBSD, 30 on macOS (the values pcap files carry) */
const AF_INET6_VALUES = new Set([24, 28, 30]);

/** A loopback header's family as the EtherType of what follows; LINKTYPE_NULL's may be in either byte order. */
function loopbackEtherType(linkType: number, word: number): number | undefined {
  const swapped = ((word & 0xff) << 24) | ((word & 0xff00) << 8) | ((word >>> 8) & 0xff00) | (word >>> 24);
  const families = linkType === LINKTYPE_NULL ? [word, swapped >>> 0] : [word];
  if (families.includes(AF_INET)) return ETHERTYPE_IPV4;
  if (families.some((f) => AF_INET6_VALUES.has(f))) return ETHERTYPE_IPV6;
  return undefined;
}

/**
 * A captured frame of the given LINKTYPE_*, decoded down to IPv4 or IPv6 and its TCP, UDP, ICMP or ICMPv6
 * like decodeFrame: Ethernet (VLAN tags included), Linux cooked v1 and v2, raw IP, BSD and OpenBSD loopback.
 * `eth` is set for Ethernet only, `cooked` for Linux cooked captures. Undefined when the link type is
 * not one of those (see isDecodableLinkType) or the frame is shorter than its link header. Never throws.
 */
export function decodeLinkFrame(linkType: number, bytes: Uint8Array): DecodedFrame | undefined {
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      const frame = decodeFrame(bytes);
      // decodeFrame has decoded all but a tagged payload
      if (!frame || !isVlanTag(frame.eth!.etherType)) return frame;
      return decodeTaggedPayload(frame, bytes, ETHERNET_HEADER_LENGTH);
    }
    case LINKTYPE_LINUX_SLL:
    case LINKTYPE_LINUX_SLL2: {
      const v1 = linkType === LINKTYPE_LINUX_SLL;
      const cooked = decodeLinuxCooked(bytes, v1 ? 1 : 2);
      if (!cooked) return undefined;
      const headerLength = v1 ? LINUX_SLL_HEADER_LENGTH : LINUX_SLL2_HEADER_LENGTH;
      const frame: DecodedFrame = { cooked };
      return isVlanTag(cooked.protocol) ? decodeTaggedPayload(frame, bytes, headerLength) : decodeEtherTypePayload(frame, bytes, headerLength, cooked.protocol);
    }
    case LINKTYPE_RAW:
    case DLT_RAW:
    case DLT_RAW_OPENBSD:
      // raw IP of either version: the first nibble says which
      return decodeEtherTypePayload({}, bytes, 0, bytes.length > 0 && bytes[0]! >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
    case LINKTYPE_IPV4:
      return decodeEtherTypePayload({}, bytes, 0, ETHERTYPE_IPV4);
    case LINKTYPE_IPV6:
      return decodeEtherTypePayload({}, bytes, 0, ETHERTYPE_IPV6);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (bytes.length < LOOPBACK_HEADER_LENGTH) return undefined;
      // LINKTYPE_NULL stores the family in the capturing host's byte order, LINKTYPE_LOOP in network order
      const etherType = loopbackEtherType(linkType, readU32(bytes, 0));
      return etherType === undefined ? {} : decodeEtherTypePayload({}, bytes, LOOPBACK_HEADER_LENGTH, etherType);
    }
    default:
      return undefined;
  }
}

const DECODABLE_LINK_TYPES = new Set([
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
  DLT_RAW,
  DLT_RAW_OPENBSD,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_NULL,
  LINKTYPE_LOOP,
]);

export function isDecodableLinkType(linkType: number): boolean {
  return DECODABLE_LINK_TYPES.has(linkType);
}

/** The one line to show once for a capture of a link type decodeLinkFrame does not know. */
export function unsupportedLinkTypeMessage(linkType: number): string {
  return `link type ${describeLinkType(linkType)} is not supported: capture on an Ethernet, loopback or 'any' interface`;
}

function isVlanTag(etherType: number): boolean {
  return etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ;
}

/**
 * The payload after one or more VLAN tags, the first at `tagAt`: each is 2 bytes of priority and VLAN id,
 * then the EtherType of what follows it (IEEE 802.1Q).
 */
function decodeTaggedPayload(frame: DecodedFrame, bytes: Uint8Array, tagAt: number): DecodedFrame {
  const vlanIds: number[] = [];
  frame.vlanIds = vlanIds;
  for (let at = tagAt; bytes.length - at >= VLAN_TAG_LENGTH; at += VLAN_TAG_LENGTH) {
    vlanIds.push(readU16(bytes, at) & VLAN_ID_MASK);
    const etherType = readU16(bytes, at + 2);
    if (!isVlanTag(etherType)) return decodeEtherTypePayload(frame, bytes, at + VLAN_TAG_LENGTH, etherType);
  }
  return frame;
}
