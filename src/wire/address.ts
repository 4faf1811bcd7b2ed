import ipaddr from 'ipaddr.js';
import { readU16, readU32 } from './bytes';

/**
 * Dotted quad → unsigned 32-bit number; throws on anything else (a programming error, not packet
 * input). Hand-written rather than a regex: builders call it for every packet they build.
 */
export function ipv4ToU32(s: string): number {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57 && digits < 3) {
      octet = octet * 10 + (c - 48);
      digits++;
    } else if (c === 46 && digits > 0 && dots < 3 && octet <= 255) {
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      throw new RangeError(`not an IPv4 address: ${s}`);
    }
  }
  if (dots !== 3 || digits === 0 || octet > 255) throw new RangeError(`not an IPv4 address: ${s}`);
  return n * 256 + octet;
}

export function u32ToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * The texts of addresses already read, by the address's value. A capture names a few addresses over and over,
 * and a text made anew for each packet is memory held per packet (a MAC's, joined from 11 pieces by a template,
 * took ~150 bytes). Emptied when full, so a capture of many hosts holds no more than LIMIT texts here.
 * A Map and not an LRU library: this runs for every packet decoded, and forgetting all at once is enough.
 */
class AddressTexts {
  private static readonly LIMIT = 4096;
  private readonly texts = new Map<number, string>();

  /** `write` makes the text of the address at bytes[offset]; `of` is given that address's value as the key. */
  constructor(private readonly write: (bytes: Uint8Array, offset: number) => string) {}

  of(value: number, bytes: Uint8Array, offset: number): string {
    let text = this.texts.get(value);
    if (text === undefined) {
      if (this.texts.size >= AddressTexts.LIMIT) this.texts.clear();
      text = this.write(bytes, offset);
      this.texts.set(value, text);
    }
    return text;
  }
}

const IPV4_TEXTS = new AddressTexts((bytes, offset) => u32ToIpv4(readU32(bytes, offset)));

export function readIpv4(bytes: Uint8Array, offset: number): string {
  return IPV4_TEXTS.of(readU32(bytes, offset), bytes, offset);
}

export function writeIpv4(bytes: Uint8Array, offset: number, ip: string | number): void {
  const n = typeof ip === 'number' ? ip : ipv4ToU32(ip);
  bytes[offset] = n >>> 24;
  bytes[offset + 1] = (n >>> 16) & 255;
  bytes[offset + 2] = (n >>> 8) & 255;
  bytes[offset + 3] = n & 255;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parse "aa:bb:cc:dd:ee:ff" (or dashes, any case) into out at offset; throws on anything else. */
export function writeMac(out: Uint8Array, offset: number, mac: string | Uint8Array): void {
  if (typeof mac !== 'string') {
    out.set(mac.subarray(0, 6), offset);
    return;
  }
  if (mac.length !== 17) throw new RangeError(`not a MAC address: ${mac}`);
  for (let i = 0; i < 6; i++) {
    const hi = hexDigit(mac.charCodeAt(i * 3));
    const lo = hexDigit(mac.charCodeAt(i * 3 + 1));
    const sep = mac.charCodeAt(i * 3 + 2);
    if (hi < 0 || lo < 0 || (i < 5 && sep !== 58 && sep !== 45)) throw new RangeError(`not a MAC address: ${mac}`);
    out[offset + i] = hi * 16 + lo;
  }
}

export function macToBytes(mac: string): Uint8Array {
  const out = new Uint8Array(6);
  writeMac(out, 0, mac);
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

const MAC_TEXTS = new AddressTexts((bytes, offset) => Array.from(bytes.subarray(offset, offset + 6), (b) => HEX[b]).join(':'));

/** 6 bytes at offset → lower-case "aa:bb:cc:dd:ee:ff" */
export function bytesToMac(bytes: Uint8Array, offset = 0): string {
  return MAC_TEXTS.of(readU16(bytes, offset) * 2 ** 32 + readU32(bytes, offset + 2), bytes, offset);
}

/**
 * An IPv6 address (any text form ipaddr.js accepts, a zone "%eth0" ignored) → its 16 bytes; throws
 * RangeError on anything else (a programming error, not packet input: addresses are validated first).
 */
export function ipv6ToBytes(s: string): Uint8Array {
  if (!ipaddr.IPv6.isValid(s)) throw new RangeError(`not an IPv6 address: ${s}`);
  return Uint8Array.from(ipaddr.IPv6.parse(s).toByteArray());
}

export { isIpv6Address } from '../base/ip-text';

/**
 * 16 bytes at offset → the RFC 5952 text (lower case, no leading zeros, the longest run of two or more
 * zero groups as "::", the first of equal runs), as ipaddr.js's toRFC5952String writes it. Hand-written:
 * the scan loop formats both addresses of every IPv6 answer.
 */
export function readIpv6(bytes: Uint8Array, offset: number): string {
  const group = (i: number) => (bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!;
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    if (group(i) !== 0) runStart = -1;
    else {
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 > bestLength) {
        bestStart = runStart;
        bestLength = i - runStart + 1;
      }
    }
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    // no colon of its own right after "::"
    if (i > 0 && i !== bestStart + bestLength) text += ':';
    text += group(i).toString(16);
  }
  return text;
}

export function writeIpv6(bytes: Uint8Array, offset: number, ip: string | Uint8Array): void {
  bytes.set(typeof ip === 'string' ? ipv6ToBytes(ip) : ip.subarray(0, 16), offset);
}

/** The RFC 5952 form of an IPv6 address (what decoded packets show), so that addresses compare as strings. */
export function canonicalIpv6(s: string): string {
  return readIpv6(ipv6ToBytes(s), 0);
}
