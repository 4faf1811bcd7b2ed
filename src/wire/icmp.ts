import { internetChecksum } from './checksum';
import { readU16, sliceBytes, readU32, writeU16, writeU32 } from './bytes';
import {
  ICMP_DEST_UNREACH,
  ICMP_HEADER_LENGTH,
  ICMP_PARAMETER_PROBLEM,
  ICMP_REDIRECT,
  ICMP_SOURCE_QUENCH,
  ICMP_TIME_EXCEEDED,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from './constants';
import { decodeIPv4Header, type IPv4Header } from './ipv4';

/** The IP header and first 8 bytes of the datagram an ICMP error quotes: how an error is matched to its probe. */
export interface QuotedDatagram {
  ip: IPv4Header;
  protocol: number;
  /** TCP/UDP ports, when at least 4 bytes after the quoted header were quoted */
  srcPort?: number;
  dstPort?: number;
  /** TCP sequence number, when 8 bytes were quoted */
  seq?: number;
}

export interface IcmpMessage {
  type: number;
  code: number;
  checksum: number;
  /** the 32-bit word after the checksum: id << 16 | seq for echo, unused / next-hop MTU for errors */
  rest: number;
  payload: Uint8Array;
  /** for error types 3, 4, 5, 11, 12 when the quoted IP header is well formed */
  quoted?: QuotedDatagram;
}

export interface IcmpFields {
  type: number;
  code: number;
  rest?: number;
  payload?: Uint8Array;
}

const ERROR_TYPES = new Set([ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT, ICMP_TIME_EXCEEDED, ICMP_PARAMETER_PROBLEM]);

export function isIcmpError(type: number): boolean {
  return ERROR_TYPES.has(type);
}

export function decodeQuotedDatagram(bytes: Uint8Array, offset: number, end: number): QuotedDatagram | undefined {
  const ip = decodeIPv4Header(bytes, offset, end);
  if (!ip) return undefined;
  const quoted: QuotedDatagram = { ip, protocol: ip.protocol };
  if (ip.fragmentOffset === 0) readQuotedPorts(quoted, bytes, offset + ip.ihl * 4, end);
  return quoted;
}

/**
 * The ports and TCP sequence number of a quoted datagram (ICMP or ICMPv6), read from as many bytes of its
 * upper layer as were quoted; the caller checks it is the first fragment, where they mean something.
 */
export function readQuotedPorts(quoted: Pick<QuotedDatagram, 'protocol' | 'srcPort' | 'dstPort' | 'seq'>, bytes: Uint8Array, l4: number, end: number): void {
  if (quoted.protocol !== IPPROTO_TCP && quoted.protocol !== IPPROTO_UDP) return;
  if (end - l4 >= 4) {
    quoted.srcPort = readU16(bytes, l4);
    quoted.dstPort = readU16(bytes, l4 + 2);
  }
  if (quoted.protocol === IPPROTO_TCP && end - l4 >= 8) quoted.seq = readU32(bytes, l4 + 4);
}

/** The four fields and the payload ICMP and ICMPv6 messages share. */
export function decodeIcmpHeader(bytes: Uint8Array, offset: number, end: number): Omit<IcmpMessage, 'quoted'> | undefined {
  if (end - offset < ICMP_HEADER_LENGTH) return undefined;
  return {
    type: bytes[offset]!,
    code: bytes[offset + 1]!,
    checksum: readU16(bytes, offset + 2),
    rest: readU32(bytes, offset + 4),
    payload: sliceBytes(bytes, offset + ICMP_HEADER_LENGTH, end),
  };
}

export function decodeIcmp(bytes: Uint8Array, offset: number, end: number): IcmpMessage | undefined {
  const message: IcmpMessage | undefined = decodeIcmpHeader(bytes, offset, end);
  if (message && isIcmpError(message.type)) {
    const quoted = decodeQuotedDatagram(bytes, offset + ICMP_HEADER_LENGTH, end);
    if (quoted) message.quoted = quoted;
  }
  return message;
}

export function icmpEchoId(message: IcmpMessage): number {
  return message.rest >>> 16;
}

export function icmpEchoSeq(message: IcmpMessage): number {
  return message.rest & 0xffff;
}

/** Write an ICMP message with its checksum at offset; returns its length. */
export function writeIcmp(buf: Uint8Array, offset: number, fields: IcmpFields): number {
  const length = writeIcmpHeader(buf, offset, fields);
  writeU16(buf, offset + 2, internetChecksum(buf, offset, offset + length));
  return length;
}

/** Writes an ICMP or ICMPv6 message at offset with a zero checksum, for the caller to fill in; returns its length. */
export function writeIcmpHeader(buf: Uint8Array, offset: number, fields: IcmpFields): number {
  buf[offset] = fields.type;
  buf[offset + 1] = fields.code;
  writeU16(buf, offset + 2, 0);
  writeU32(buf, offset + 4, fields.rest ?? 0);
  if (fields.payload) buf.set(fields.payload, offset + ICMP_HEADER_LENGTH);
  return ICMP_HEADER_LENGTH + (fields.payload?.length ?? 0);
}

export function encodeIcmp(fields: IcmpFields): Uint8Array {
  const out = new Uint8Array(ICMP_HEADER_LENGTH + (fields.payload?.length ?? 0));
  writeIcmp(out, 0, fields);
  return out;
}
