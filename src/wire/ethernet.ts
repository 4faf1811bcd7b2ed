import { bytesToMac, writeMac } from './address';
import { readU16, writeU16 } from './bytes';
import { ETHERNET_HEADER_LENGTH } from './constants';

export interface EthernetHeader {
  /** lower-case "aa:bb:cc:dd:ee:ff" */
  dst: string;
  src: string;
  etherType: number;
}

/** Ethernet II header at the start of bytes; undefined when shorter than 14 bytes. */
export function decodeEthernet(bytes: Uint8Array): EthernetHeader | undefined {
  if (bytes.length < ETHERNET_HEADER_LENGTH) return undefined;
  return { dst: bytesToMac(bytes, 0), src: bytesToMac(bytes, 6), etherType: readU16(bytes, 12) };
}

export function writeEthernetHeader(buf: Uint8Array, offset: number, dst: string | Uint8Array, src: string | Uint8Array, etherType: number): void {
  writeMac(buf, offset, dst);
  writeMac(buf, offset + 6, src);
  writeU16(buf, offset + 12, etherType);
}

export function encodeEthernet(dst: string, src: string, etherType: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(ETHERNET_HEADER_LENGTH + payload.length);
  writeEthernetHeader(out, 0, dst, src, etherType);
  out.set(payload, ETHERNET_HEADER_LENGTH);
  return out;
}
