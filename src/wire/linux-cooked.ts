import { bytesToMac } from './address';
import { readU16, readU32 } from './bytes';

/**
 * The header libpcap puts in front of packets captured on Linux's "any" interface (and a few others):
 * LINKTYPE_LINUX_SLL (v1, 16 bytes) or LINKTYPE_LINUX_SLL2 (v2, 20 bytes), both big-endian.
 */
export interface LinuxCookedHeader {
  version: 1 | 2;
  /** LINUX_SLL_* packet type: 0 to this host, 1 broadcast, 2 multicast, 3 to another host, 4 sent by this host */
  packetType: number;
  /** sent by the capturing host (packet type 4), or received (or overheard) by it */
  direction: 'outgoing' | 'incoming';
  /** ARPHRD_* type of the interface: 1 Ethernet, 772 loopback, … */
  hardwareType: number;
  /** link-layer source address, lower-case colon-separated hex; '' when the header carries none */
  src: string;
  /** EtherType of what follows the header */
  protocol: number;
  /** index of the capturing interface (v2 only) */
  interfaceIndex?: number;
}

export const LINUX_SLL_HEADER_LENGTH = 16;
export const LINUX_SLL2_HEADER_LENGTH = 20;
export const LINUX_SLL_OUTGOING = 4;
/** the address field's size; a longer address is cut to it */
const ADDRESS_FIELD_LENGTH = 8;

/** A cooked header at the start of bytes; undefined when bytes are shorter than it. */
export function decodeLinuxCooked(bytes: Uint8Array, version: 1 | 2): LinuxCookedHeader | undefined {
  if (version === 1) {
    if (bytes.length < LINUX_SLL_HEADER_LENGTH) return undefined;
    const packetType = readU16(bytes, 0);
    return {
      version,
      packetType,
      direction: packetType === LINUX_SLL_OUTGOING ? 'outgoing' : 'incoming',
      hardwareType: readU16(bytes, 2),
      src: linkAddress(bytes, 6, readU16(bytes, 4)),
      protocol: readU16(bytes, 14),
    };
  }
  if (bytes.length < LINUX_SLL2_HEADER_LENGTH) return undefined;
  const packetType = bytes[10]!;
  return {
    version,
    packetType,
    direction: packetType === LINUX_SLL_OUTGOING ? 'outgoing' : 'incoming',
    hardwareType: readU16(bytes, 8),
    src: linkAddress(bytes, 12, bytes[11]!),
    protocol: readU16(bytes, 0),
    interfaceIndex: readU32(bytes, 4),
  };
}

function linkAddress(bytes: Uint8Array, offset: number, length: number): string {
  if (length === 6) return bytesToMac(bytes, offset);
  const parts: string[] = [];
  for (let i = 0; i < Math.min(length, ADDRESS_FIELD_LENGTH); i++) parts.push(bytes[offset + i]!.toString(16).padStart(2, '0'));
  return parts.join(':');
}
