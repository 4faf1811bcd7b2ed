import { bytesToMac, readIpv4, writeIpv4, writeMac } from './address';
import { readU16, writeU16 } from './bytes';
import { ARP_IPV4_LENGTH, ETHERTYPE_IPV4 } from './constants';

/** ARP for IPv4 over Ethernet (htype 1, ptype 0x0800, hlen 6, plen 4) — the only kind a scanner meets. */
export interface ArpPacket {
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

const HTYPE_ETHERNET = 1;

export function decodeArp(bytes: Uint8Array, offset: number, end: number): ArpPacket | undefined {
  if (end - offset < ARP_IPV4_LENGTH) return undefined;
  if (readU16(bytes, offset) !== HTYPE_ETHERNET || readU16(bytes, offset + 2) !== ETHERTYPE_IPV4) return undefined;
  if (bytes[offset + 4] !== 6 || bytes[offset + 5] !== 4) return undefined;
  return {
    op: readU16(bytes, offset + 6),
    senderMac: bytesToMac(bytes, offset + 8),
    senderIp: readIpv4(bytes, offset + 14),
    targetMac: bytesToMac(bytes, offset + 18),
    targetIp: readIpv4(bytes, offset + 24),
  };
}

export function writeArp(buf: Uint8Array, offset: number, arp: ArpPacket): void {
  writeU16(buf, offset, HTYPE_ETHERNET);
  writeU16(buf, offset + 2, ETHERTYPE_IPV4);
  buf[offset + 4] = 6;
  buf[offset + 5] = 4;
  writeU16(buf, offset + 6, arp.op);
  writeMac(buf, offset + 8, arp.senderMac);
  writeIpv4(buf, offset + 14, arp.senderIp);
  writeMac(buf, offset + 18, arp.targetMac);
  writeIpv4(buf, offset + 24, arp.targetIp);
}

/** The 28-byte ARP body (without Ethernet header). */
export function encodeArp(arp: ArpPacket): Uint8Array {
  const out = new Uint8Array(ARP_IPV4_LENGTH);
  writeArp(out, 0, arp);
  return out;
}
