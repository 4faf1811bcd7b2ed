import { readIpv6, writeIpv6 } from './address';
import { readU16, readU32, writeU16, writeU32 } from './bytes';
import { IPPROTO_DSTOPTS, IPPROTO_FRAGMENT, IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPV6_HEADER_LENGTH } from './constants';

/** The fragment header's fields (RFC 8200 section 4.5). */
export interface IPv6Fragment {
  /** in 8-byte units, as in the header; only the first fragment (0) carries the upper-layer header */
  offset: number;
  more: boolean;
  id: number;
}

export interface IPv6Header {
  version: 6;
  trafficClass: number;
  flowLabel: number;
  /** bytes after the fixed 40-byte header, extension headers included */
  payloadLength: number;
  /** the fixed header's next header field */
  nextHeader: number;
  hopLimit: number;
  src: string;
  dst: string;
  /** the extension headers skipped, in order, by their type numbers */
  extensions: number[];
  /**
   * The upper-layer protocol (TCP 6, UDP 17, ICMPv6 58, none 59): the next header after the extension
   * headers. When the chain does not fit in the bytes given, or is longer than the decoder follows, this
   * is the extension header it stopped at, so no upper layer is ever read from the middle of a chain.
   */
  protocol: number;
  /** bytes from this header's start to the upper-layer header: 40 + the extension headers skipped */
  headerLength: number;
  /** set when a fragment header was met; when its offset is not 0, no upper-layer header follows (protocol only names it) */
  fragment?: IPv6Fragment;
}

/** What a caller chooses when encoding; the payload length is computed. No extension headers are written. */
export interface IPv6Fields {
  src: string;
  dst: string;
  nextHeader: number;
  /** default 64 */
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
}

/** More extension headers than any real packet carries: a chain past this many is not followed. */
export const MAX_IPV6_EXTENSION_HEADERS = 8;
export const FRAGMENT_HEADER_LENGTH = 8;

function isSkippedExtension(type: number): boolean {
  return type === IPPROTO_HOPOPTS || type === IPPROTO_ROUTING || type === IPPROTO_FRAGMENT || type === IPPROTO_DSTOPTS;
}

/**
 * IPv6 header at offset with its extension headers skipped, or undefined when it is not one. Only the
 * fixed header must fit before `end`; the extension chain is followed only as far as its headers fit
 * (see `protocol`). Whether payloadLength fits is the caller's decision, as for decodeIPv4Header.
 * A fragment header stops the walk unless it heads the first fragment: later ones carry no upper layer.
 */
export function decodeIPv6Header(bytes: Uint8Array, offset: number, end: number): IPv6Header | undefined {
  if (end - offset < IPV6_HEADER_LENGTH) return undefined;
  const word = readU32(bytes, offset);
  if (word >>> 28 !== 6) return undefined;
  const nextHeader = bytes[offset + 6]!;
  const header: IPv6Header = {
    version: 6,
    trafficClass: (word >>> 20) & 0xff,
    flowLabel: word & 0xfffff,
    payloadLength: readU16(bytes, offset + 4),
    nextHeader,
    hopLimit: bytes[offset + 7]!,
    src: readIpv6(bytes, offset + 8),
    dst: readIpv6(bytes, offset + 24),
    extensions: [],
    protocol: nextHeader,
    headerLength: IPV6_HEADER_LENGTH,
  };
  let at = offset + IPV6_HEADER_LENGTH;
  while (isSkippedExtension(header.protocol) && header.extensions.length < MAX_IPV6_EXTENSION_HEADERS) {
    const type = header.protocol;
    if (end - at < 2) break;
    const length = type === IPPROTO_FRAGMENT ? FRAGMENT_HEADER_LENGTH : (bytes[at + 1]! + 1) * 8;
    if (end - at < length) break;
    if (type === IPPROTO_FRAGMENT) {
      const offsetAndFlags = readU16(bytes, at + 2);
      header.fragment = { offset: offsetAndFlags >>> 3, more: (offsetAndFlags & 1) === 1, id: readU32(bytes, at + 4) };
    }
    header.extensions.push(type);
    header.protocol = bytes[at]!;
    at += length;
    header.headerLength = at - offset;
    if (header.fragment && header.fragment.offset !== 0) break;
  }
  return header;
}

/** Write the fixed 40-byte IPv6 header at offset for a payload of payloadLength bytes; returns 40. */
export function writeIPv6Header(buf: Uint8Array, offset: number, fields: IPv6Fields, payloadLength: number): number {
  if (payloadLength > 0xffff) throw new RangeError(`IPv6 payload too long: ${payloadLength} bytes (no jumbograms)`);
  writeU32(buf, offset, ((6 << 28) | (((fields.trafficClass ?? 0) & 0xff) << 20) | ((fields.flowLabel ?? 0) & 0xfffff)) >>> 0);
  writeU16(buf, offset + 4, payloadLength);
  buf[offset + 6] = fields.nextHeader;
  buf[offset + 7] = fields.hopLimit ?? 64;
  writeIpv6(buf, offset + 8, fields.src);
  writeIpv6(buf, offset + 24, fields.dst);
  return IPV6_HEADER_LENGTH;
}

export function encodeIPv6(fields: IPv6Fields, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(IPV6_HEADER_LENGTH + payload.length);
  writeIPv6Header(out, 0, fields, payload.length);
  out.set(payload, IPV6_HEADER_LENGTH);
  return out;
}
