import { bytesToMac, ipv6ToBytes, readIpv6, writeIpv6, writeMac } from './address';
import { foldChecksum, pseudoHeaderSum, sumWords } from './checksum';
import { writeU16 } from './bytes';
import {
  ICMP_HEADER_LENGTH,
  ICMPV6_DEST_UNREACH,
  ICMPV6_NEIGHBOR_ADVERTISEMENT,
  ICMPV6_NEIGHBOR_SOLICITATION,
  ICMPV6_PACKET_TOO_BIG,
  ICMPV6_PARAMETER_PROBLEM,
  ICMPV6_TIME_EXCEEDED,
  IPPROTO_ICMPV6,
} from './constants';
import { decodeIcmpHeader, readQuotedPorts, writeIcmpHeader } from './icmp';
import { decodeIPv6Header, type IPv6Header } from './ipv6';

/** The start of the packet an ICMPv6 error quotes (as much as fits in 1280 bytes): how an error is matched to its probe. */
export interface QuotedDatagram6 {
  ip: IPv6Header;
  /** the quoted packet's upper-layer protocol, after its extension headers */
  protocol: number;
  /** TCP/UDP ports, when at least 4 bytes of the upper layer were quoted */
  srcPort?: number;
  dstPort?: number;
  /** TCP sequence number, when 8 bytes were quoted */
  seq?: number;
}

/** A neighbour solicitation (135) or advertisement (136), RFC 4861 sections 4.3 and 4.4. */
export interface NeighborMessage {
  /** the address asked about (solicitation) or answered for (advertisement) */
  target: string;
  /** advertisement flags: sent by a router, an answer to a solicitation, overrides a cached entry */
  router: boolean;
  solicited: boolean;
  override: boolean;
  /** the source link-layer address option (1): the asker's MAC in a solicitation */
  sourceMac?: string;
  /** the target link-layer address option (2): the answer's MAC in an advertisement */
  targetMac?: string;
}

export interface Icmpv6Message {
  type: number;
  code: number;
  checksum: number;
  /** the 32-bit word after the checksum: id << 16 | seq for echo, MTU for packet-too-big, pointer for parameter-problem */
  rest: number;
  payload: Uint8Array;
  /** for the error types 1-4 when the quoted IPv6 header is well formed */
  quoted?: QuotedDatagram6;
  /** for neighbour solicitations and advertisements that are well formed */
  neighbor?: NeighborMessage;
}

export interface Icmpv6Fields {
  type: number;
  code: number;
  rest?: number;
  payload?: Uint8Array;
}

/** Error messages have types 0-127 (RFC 4443 section 2.1); PortLab reads the four RFC 4443 defines. */
export function isIcmpv6Error(type: number): boolean {
  return type === ICMPV6_DEST_UNREACH || type === ICMPV6_PACKET_TOO_BIG || type === ICMPV6_TIME_EXCEEDED || type === ICMPV6_PARAMETER_PROBLEM;
}

export function decodeQuotedDatagram6(bytes: Uint8Array, offset: number, end: number): QuotedDatagram6 | undefined {
  const ip = decodeIPv6Header(bytes, offset, end);
  if (!ip) return undefined;
  const quoted: QuotedDatagram6 = { ip, protocol: ip.protocol };
  if (!ip.fragment || ip.fragment.offset === 0) readQuotedPorts(quoted, bytes, offset + ip.headerLength, end);
  return quoted;
}

const OPTION_SOURCE_LINK_ADDRESS = 1;
const OPTION_TARGET_LINK_ADDRESS = 2;
/** an Ethernet link-layer address option: type, length 1 (in 8-byte units), 6 bytes of MAC */
const LINK_ADDRESS_OPTION_LENGTH = 8;
const NA_ROUTER = 0x80;
const NA_SOLICITED = 0x40;
const NA_OVERRIDE = 0x20;

/** The body after the 4-byte type/code/checksum: reserved or flags, the target, then options of 8-byte units. */
function decodeNeighbor(bytes: Uint8Array, offset: number, end: number): NeighborMessage | undefined {
  if (end - offset < ICMP_HEADER_LENGTH + 16) return undefined;
  const flags = bytes[offset + 4]!;
  const message: NeighborMessage = {
    target: readIpv6(bytes, offset + 8),
    router: (flags & NA_ROUTER) !== 0,
    solicited: (flags & NA_SOLICITED) !== 0,
    override: (flags & NA_OVERRIDE) !== 0,
  };
  // A zero length ends the options (RFC 4861 section 4.6 says to drop the packet; what came before is kept).
  for (let at = offset + ICMP_HEADER_LENGTH + 16; end - at >= 2;) {
    const length = bytes[at + 1]! * 8;
    if (length === 0 || end - at < length) break;
    if (length === LINK_ADDRESS_OPTION_LENGTH) {
      if (bytes[at] === OPTION_SOURCE_LINK_ADDRESS) message.sourceMac = bytesToMac(bytes, at + 2);
      else if (bytes[at] === OPTION_TARGET_LINK_ADDRESS) message.targetMac = bytesToMac(bytes, at + 2);
    }
    at += length;
  }
  return message;
}

export function decodeIcmpv6(bytes: Uint8Array, offset: number, end: number): Icmpv6Message | undefined {
  const message: Icmpv6Message | undefined = decodeIcmpHeader(bytes, offset, end);
  if (!message) return undefined;
  if (isIcmpv6Error(message.type)) {
    const quoted = decodeQuotedDatagram6(bytes, offset + ICMP_HEADER_LENGTH, end);
    if (quoted) message.quoted = quoted;
  } else if (message.type === ICMPV6_NEIGHBOR_SOLICITATION || message.type === ICMPV6_NEIGHBOR_ADVERTISEMENT) {
    const neighbor = decodeNeighbor(bytes, offset, end);
    if (neighbor) message.neighbor = neighbor;
  }
  return message;
}

/** Write an ICMPv6 message at offset with its checksum over the IPv6 pseudo-header of src → dst; returns its length. */
export function writeIcmpv6(buf: Uint8Array, offset: number, fields: Icmpv6Fields, src: string, dst: string): number {
  const length = writeIcmpHeader(buf, offset, fields);
  writeU16(buf, offset + 2, foldChecksum(sumWords(buf, offset, offset + length, pseudoHeaderSum(src, dst, IPPROTO_ICMPV6, length))));
  return length;
}

export function encodeIcmpv6(fields: Icmpv6Fields, src: string, dst: string): Uint8Array {
  const out = new Uint8Array(ICMP_HEADER_LENGTH + (fields.payload?.length ?? 0));
  writeIcmpv6(out, 0, fields, src, dst);
  return out;
}

/** A solicitation's body after the reserved word: the target address and our MAC as the source link-layer option. */
export function neighborSolicitationPayload(targetIp: string, srcMac: string): Uint8Array {
  const out = new Uint8Array(16 + LINK_ADDRESS_OPTION_LENGTH);
  writeIpv6(out, 0, targetIp);
  out[16] = OPTION_SOURCE_LINK_ADDRESS;
  out[17] = 1;
  writeMac(out, 18, srcMac);
  return out;
}

/** The solicited-node multicast address of an IPv6 address (RFC 4291 section 2.7.1): ff02::1:ff and its last 24 bits. */
export function solicitedNodeAddress(ip: string): string {
  const bytes = Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0);
  bytes.set(ipv6ToBytes(ip).subarray(13, 16), 13);
  return readIpv6(bytes, 0);
}

/** The Ethernet address of an IPv6 multicast group (RFC 2464 section 7): 33:33 and the group's last 32 bits. */
export function ipv6MulticastMac(group: string): string {
  const bytes = ipv6ToBytes(group);
  return bytesToMac(Uint8Array.of(0x33, 0x33, bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!), 0);
}
