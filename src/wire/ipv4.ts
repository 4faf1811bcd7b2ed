import { readIpv4, writeIpv4 } from './address';
import { internetChecksum } from './checksum';
import { readU16, sliceBytes, writeU16 } from './bytes';
import { IPV4_MIN_HEADER_LENGTH } from './constants';

export interface IPv4Header {
  version: number;
  /** header length in 32-bit words (5..15) */
  ihl: number;
  tos: number;
  totalLength: number;
  id: number;
  /** the 3 flag bits as in the header: 2 = DF, 1 = MF */
  flags: number;
  /** in 8-byte units, as in the header */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: string;
  dst: string;
  options: Uint8Array;
}

/** What a caller chooses when encoding; lengths and the checksum are computed. */
export interface IPv4Fields {
  src: string;
  dst: string;
  protocol: number;
  ttl?: number;
  id?: number;
  tos?: number;
  flags?: number;
  fragmentOffset?: number;
  /** raw option bytes; padded with zeros (EOL) to a multiple of 4 */
  options?: Uint8Array;
}

/**
 * IPv4 header at offset, or undefined when it is not one. Only the header itself must fit before
 * `end`; whether totalLength fits is the caller's decision (a quoted header in an ICMP error
 * legitimately claims more bytes than were quoted).
 */
export function decodeIPv4Header(bytes: Uint8Array, offset: number, end: number): IPv4Header | undefined {
  if (end - offset < IPV4_MIN_HEADER_LENGTH) return undefined;
  const b0 = bytes[offset]!;
  const version = b0 >> 4;
  const ihl = b0 & 15;
  if (version !== 4 || ihl < 5) return undefined;
  const headerLength = ihl * 4;
  if (end - offset < headerLength) return undefined;
  const flagsAndOffset = readU16(bytes, offset + 6);
  return {
    version,
    ihl,
    tos: bytes[offset + 1]!,
    totalLength: readU16(bytes, offset + 2),
    id: readU16(bytes, offset + 4),
    flags: flagsAndOffset >> 13,
    fragmentOffset: flagsAndOffset & 0x1fff,
    ttl: bytes[offset + 8]!,
    protocol: bytes[offset + 9]!,
    checksum: readU16(bytes, offset + 10),
    src: readIpv4(bytes, offset + 12),
    dst: readIpv4(bytes, offset + 16),
    options: sliceBytes(bytes, offset + IPV4_MIN_HEADER_LENGTH, offset + headerLength),
  };
}

export function ipv4HeaderLength(fields: IPv4Fields): number {
  const optionLength = fields.options?.length ?? 0;
  if (optionLength > 40) throw new RangeError(`IPv4 options too long: ${optionLength} bytes (max 40)`);
  return IPV4_MIN_HEADER_LENGTH + ((optionLength + 3) & ~3);
}

/** Write an IPv4 header with its checksum at offset; returns the header length. */
export function writeIPv4Header(buf: Uint8Array, offset: number, fields: IPv4Fields, payloadLength: number): number {
  const headerLength = ipv4HeaderLength(fields);
  const totalLength = headerLength + payloadLength;
  if (totalLength > 0xffff) throw new RangeError(`IPv4 packet too long: ${totalLength} bytes`);
  buf[offset] = 0x40 | (headerLength >> 2);
  buf[offset + 1] = fields.tos ?? 0;
  writeU16(buf, offset + 2, totalLength);
  writeU16(buf, offset + 4, fields.id ?? 0);
  writeU16(buf, offset + 6, (((fields.flags ?? 0) & 7) << 13) | ((fields.fragmentOffset ?? 0) & 0x1fff));
  buf[offset + 8] = fields.ttl ?? 64;
  buf[offset + 9] = fields.protocol;
  writeU16(buf, offset + 10, 0);
  writeIpv4(buf, offset + 12, fields.src);
  writeIpv4(buf, offset + 16, fields.dst);
  if (fields.options) {
    buf.fill(0, offset + IPV4_MIN_HEADER_LENGTH, offset + headerLength);
    buf.set(fields.options, offset + IPV4_MIN_HEADER_LENGTH);
  }
  writeU16(buf, offset + 10, internetChecksum(buf, offset, offset + headerLength));
  return headerLength;
}

export function encodeIPv4(fields: IPv4Fields, payload: Uint8Array): Uint8Array {
  const headerLength = ipv4HeaderLength(fields);
  const out = new Uint8Array(headerLength + payload.length);
  writeIPv4Header(out, 0, fields, payload.length);
  out.set(payload, headerLength);
  return out;
}
