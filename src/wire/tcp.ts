import { pseudoHeaderSum, foldChecksum, sumWords } from './checksum';
import { readU16, sliceBytes, readU32, writeU16, writeU32 } from './bytes';
import { IPPROTO_TCP, TCP_MIN_HEADER_LENGTH } from './constants';
import { decodeTcpOptions, tcpOptionsLength, writeTcpOptions, type TcpOption } from './tcp-options';

export interface TcpHeader {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** header length in 32-bit words (5..15) */
  dataOffset: number;
  /** TCP_FIN | TCP_SYN | … (the low 8 flag bits) */
  flags: number;
  window: number;
  checksum: number;
  urgent: number;
  options: TcpOption[];
  payload: Uint8Array;
}

export interface TcpFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  urgent?: number;
  options?: readonly TcpOption[];
  payload?: Uint8Array;
}

/** nmap's window for raw probes */
export const DEFAULT_TCP_WINDOW = 1024;

/** TCP segment in bytes[offset, end); undefined when the header does not fit or dataOffset < 5. */
export function decodeTcp(bytes: Uint8Array, offset: number, end: number): TcpHeader | undefined {
  if (end - offset < TCP_MIN_HEADER_LENGTH) return undefined;
  const dataOffset = bytes[offset + 12]! >> 4;
  const headerLength = dataOffset * 4;
  if (dataOffset < 5 || end - offset < headerLength) return undefined;
  return {
    srcPort: readU16(bytes, offset),
    dstPort: readU16(bytes, offset + 2),
    seq: readU32(bytes, offset + 4),
    ack: readU32(bytes, offset + 8),
    dataOffset,
    flags: bytes[offset + 13]!,
    window: readU16(bytes, offset + 14),
    checksum: readU16(bytes, offset + 16),
    urgent: readU16(bytes, offset + 18),
    options: decodeTcpOptions(bytes, offset + TCP_MIN_HEADER_LENGTH, offset + headerLength),
    payload: sliceBytes(bytes, offset + headerLength, end),
  };
}

export function tcpSegmentLength(fields: TcpFields): number {
  const optionLength = tcpOptionsLength(fields.options ?? []);
  if (optionLength > 40) throw new RangeError(`TCP options too long: ${optionLength} bytes (max 40)`);
  return TCP_MIN_HEADER_LENGTH + optionLength + (fields.payload?.length ?? 0);
}

/** Write a whole TCP segment with its checksum at offset; returns its length. */
export function writeTcpSegment(buf: Uint8Array, offset: number, fields: TcpFields, srcIp: string | number, dstIp: string | number): number {
  const headerLength = TCP_MIN_HEADER_LENGTH + writeTcpOptions(buf, offset + TCP_MIN_HEADER_LENGTH, fields.options ?? []);
  if (headerLength > 60) throw new RangeError(`TCP options too long: ${headerLength - TCP_MIN_HEADER_LENGTH} bytes (max 40)`);
  writeU16(buf, offset, fields.srcPort);
  writeU16(buf, offset + 2, fields.dstPort);
  writeU32(buf, offset + 4, fields.seq);
  writeU32(buf, offset + 8, fields.ack ?? 0);
  buf[offset + 12] = (headerLength >> 2) << 4;
  buf[offset + 13] = fields.flags & 255;
  writeU16(buf, offset + 14, fields.window ?? DEFAULT_TCP_WINDOW);
  writeU16(buf, offset + 16, 0);
  writeU16(buf, offset + 18, fields.urgent ?? 0);
  const payload = fields.payload;
  if (payload) buf.set(payload, offset + headerLength);
  const length = headerLength + (payload?.length ?? 0);
  const sum = sumWords(buf, offset, offset + length, pseudoHeaderSum(srcIp, dstIp, IPPROTO_TCP, length));
  writeU16(buf, offset + 16, foldChecksum(sum));
  return length;
}

export function encodeTcpSegment(fields: TcpFields, srcIp: string, dstIp: string): Uint8Array {
  const out = new Uint8Array(tcpSegmentLength(fields));
  writeTcpSegment(out, 0, fields, srcIp, dstIp);
  return out;
}
