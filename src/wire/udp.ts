import { foldChecksum, pseudoHeaderSum, sumWords } from './checksum';
import { readU16, sliceBytes, writeU16 } from './bytes';
import { IPPROTO_UDP, UDP_HEADER_LENGTH } from './constants';

export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  length: number;
  checksum: number;
  payload: Uint8Array;
}

export interface UdpFields {
  srcPort: number;
  dstPort: number;
  payload?: Uint8Array;
}

/** UDP datagram in bytes[offset, end); the payload is bounded by the UDP length field when it is sane. */
export function decodeUdp(bytes: Uint8Array, offset: number, end: number): UdpHeader | undefined {
  if (end - offset < UDP_HEADER_LENGTH) return undefined;
  const length = readU16(bytes, offset + 4);
  if (length < UDP_HEADER_LENGTH || length > end - offset) return undefined;
  return {
    srcPort: readU16(bytes, offset),
    dstPort: readU16(bytes, offset + 2),
    length,
    checksum: readU16(bytes, offset + 6),
    payload: sliceBytes(bytes, offset + UDP_HEADER_LENGTH, offset + length),
  };
}

/** Write a UDP datagram with its checksum at offset; returns its length. */
export function writeUdpDatagram(buf: Uint8Array, offset: number, fields: UdpFields, srcIp: string | number, dstIp: string | number): number {
  const payloadLength = fields.payload?.length ?? 0;
  const length = UDP_HEADER_LENGTH + payloadLength;
  if (length > 0xffff) throw new RangeError(`UDP datagram too long: ${length} bytes`);
  writeU16(buf, offset, fields.srcPort);
  writeU16(buf, offset + 2, fields.dstPort);
  writeU16(buf, offset + 4, length);
  writeU16(buf, offset + 6, 0);
  if (fields.payload) buf.set(fields.payload, offset + UDP_HEADER_LENGTH);
  const checksum = foldChecksum(sumWords(buf, offset, offset + length, pseudoHeaderSum(srcIp, dstIp, IPPROTO_UDP, length)));
  // RFC 768: a computed 0 is sent as 0xffff, since 0 means "no checksum".
  writeU16(buf, offset + 6, checksum === 0 ? 0xffff : checksum);
  return length;
}

export function encodeUdpDatagram(fields: UdpFields, srcIp: string, dstIp: string): Uint8Array {
  const out = new Uint8Array(UDP_HEADER_LENGTH + (fields.payload?.length ?? 0));
  writeUdpDatagram(out, 0, fields, srcIp, dstIp);
  return out;
}
