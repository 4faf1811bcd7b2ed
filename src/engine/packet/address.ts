const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAC_PATTERN = /^([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})$/;

/** Dotted quad → unsigned 32-bit number; throws on anything else (a programming error, not packet input). */
export function ipv4ToU32(s: string): number {
  const m = IPV4_PATTERN.exec(s);
  if (!m) throw new RangeError(`not an IPv4 address: ${s}`);
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) throw new RangeError(`not an IPv4 address: ${s}`);
    n = n * 256 + octet;
  }
  return n;
}

export function u32ToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function readIpv4(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

export function writeIpv4(bytes: Uint8Array, offset: number, ip: string | number): void {
  const n = typeof ip === 'number' ? ip : ipv4ToU32(ip);
  bytes[offset] = n >>> 24;
  bytes[offset + 1] = (n >>> 16) & 255;
  bytes[offset + 2] = (n >>> 8) & 255;
  bytes[offset + 3] = n & 255;
}

/** "aa:bb:cc:dd:ee:ff" (or with dashes, any case) → 6 bytes; throws on anything else. */
export function macToBytes(mac: string): Uint8Array {
  const m = MAC_PATTERN.exec(mac);
  if (!m) throw new RangeError(`not a MAC address: ${mac}`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(m[i + 1]!, 16);
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 6 bytes at offset → lower-case "aa:bb:cc:dd:ee:ff" */
export function bytesToMac(bytes: Uint8Array, offset = 0): string {
  return `${HEX[bytes[offset]!]}:${HEX[bytes[offset + 1]!]}:${HEX[bytes[offset + 2]!]}:${HEX[bytes[offset + 3]!]}:${HEX[bytes[offset + 4]!]}:${HEX[bytes[offset + 5]!]}`;
}

export function writeMac(bytes: Uint8Array, offset: number, mac: string | Uint8Array): void {
  bytes.set(typeof mac === 'string' ? macToBytes(mac) : mac, offset);
}
