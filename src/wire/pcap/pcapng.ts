import {
  PCAPNG_BLOCK_CUSTOM,
  PCAPNG_BLOCK_CUSTOM_NO_COPY,
  PCAPNG_BLOCK_DECRYPTION_SECRETS,
  PCAPNG_BLOCK_ENHANCED_PACKET,
  PCAPNG_BLOCK_INTERFACE_DESCRIPTION,
  PCAPNG_BLOCK_INTERFACE_STATISTICS,
  PCAPNG_BLOCK_NAME_RESOLUTION,
  PCAPNG_BLOCK_PACKET,
  PCAPNG_BLOCK_SIMPLE_PACKET,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_MAGIC,
  PCAPNG_MIN_BLOCK_LENGTH,
  PCAPNG_SECTION_HEADER_MIN_LENGTH,
  PCAPNG_VERSION_MAJOR,
} from './format';
import { readInterfaceDescription, timestampMicros, type PcapngInterface } from './pcapng-interface';
import { describeStop, type CaptureRecord, type ReadStop } from './records';

export interface PcapngContents {
  records: CaptureRecord[];
  /** the file ends inside a block: every packet before it is complete */
  truncated: boolean;
  /** why reading stopped before the end (damage, or the cut when truncated), and where */
  error?: string;
  stoppedAt?: ReadStop;
}

/** Fixed fields before the packet data (pcapng draft, sections 4.3 and 4.4, appendix A). */
const ENHANCED_PACKET_FIELDS = 20;
const SIMPLE_PACKET_FIELDS = 4;
const OBSOLETE_PACKET_FIELDS = 20;
const INTERFACE_DESCRIPTION_FIELDS = 8;

const BLOCK_NAMES = new Map<number, string>([
  [PCAPNG_MAGIC, 'Section Header Block'],
  [PCAPNG_BLOCK_INTERFACE_DESCRIPTION, 'Interface Description Block'],
  [PCAPNG_BLOCK_PACKET, 'Packet Block'],
  [PCAPNG_BLOCK_SIMPLE_PACKET, 'Simple Packet Block'],
  [PCAPNG_BLOCK_NAME_RESOLUTION, 'Name Resolution Block'],
  [PCAPNG_BLOCK_INTERFACE_STATISTICS, 'Interface Statistics Block'],
  [PCAPNG_BLOCK_ENHANCED_PACKET, 'Enhanced Packet Block'],
  [PCAPNG_BLOCK_DECRYPTION_SECRETS, 'Decryption Secrets Block'],
  [PCAPNG_BLOCK_CUSTOM, 'Custom Block'],
  [PCAPNG_BLOCK_CUSTOM_NO_COPY, 'Custom Block'],
]);

function blockName(type: number): string {
  return BLOCK_NAMES.get(type) ?? `block of type 0x${type.toString(16).padStart(8, '0')}`;
}

/**
 * Read a pcapng file from memory: sections in either byte order, any number of interfaces each with its
 * own link type and timestamp resolution, Enhanced, Simple and (obsolete) Packet Blocks; every other
 * block is skipped by its length. Never throws: damage or a cut ends the reading, keeping every packet
 * before it, and `error` says what and where.
 */
export function readPcapng(bytes: Uint8Array): PcapngContents {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: CaptureRecord[] = [];
  /** the current section's interfaces; ids in a packet block index this */
  let interfaces: PcapngInterface[] = [];
  /** interfaces of the sections before the current one, so that record interface ids stay unique in the file */
  let earlierInterfaces = 0;
  let littleEndian = true;
  let offset = 0;
  const stop = (reason: string, truncated = false): PcapngContents => {
    const stoppedAt = { offset, packet: records.length + 1 };
    return { records, truncated, error: describeStop(stoppedAt, reason), stoppedAt };
  };

  while (offset < bytes.length) {
    const remaining = bytes.length - offset;
    if (remaining < 8) return stop(`cut short inside a block header (${remaining} bytes left)`, true);
    const type = view.getUint32(offset, littleEndian);
    if (type === PCAPNG_MAGIC) {
      // a new section: its byte-order magic says how to read its length and everything after it
      if (remaining < PCAPNG_MIN_BLOCK_LENGTH) return stop(`cut short inside a Section Header Block (${remaining} bytes left)`, true);
      const magic = view.getUint32(offset + 8, true);
      if (magic !== PCAPNG_BYTE_ORDER_MAGIC && view.getUint32(offset + 8, false) !== PCAPNG_BYTE_ORDER_MAGIC) {
        return stop(`Section Header Block with byte-order magic 0x${magic.toString(16).padStart(8, '0')} (neither order of 0x1a2b3c4d)`);
      }
      littleEndian = magic === PCAPNG_BYTE_ORDER_MAGIC;
    } else if (offset === 0) {
      return stop('not a pcapng file: it does not start with a Section Header Block');
    }
    const length = view.getUint32(offset + 4, littleEndian);
    const name = blockName(type);
    if (length % 4 !== 0 || length < PCAPNG_MIN_BLOCK_LENGTH) return stop(`${name} length ${length} is not a multiple of 4 of at least 12`);
    if (length > remaining) return stop(`cut short: ${name} of ${length} bytes, only ${remaining} bytes left`, true);
    const trailer = view.getUint32(offset + length - 4, littleEndian);
    if (trailer !== length) return stop(`${name} length ${length} differs from its trailing copy ${trailer}`);
    const body = offset + 8;
    const end = offset + length - 4;

    switch (type) {
      case PCAPNG_MAGIC: {
        if (length < PCAPNG_SECTION_HEADER_MIN_LENGTH) return stop(`Section Header Block of ${length} bytes, shorter than ${PCAPNG_SECTION_HEADER_MIN_LENGTH}`);
        const major = view.getUint16(body + 4, littleEndian);
        if (major !== PCAPNG_VERSION_MAJOR)
          return stop(`section of pcapng version ${major}.${view.getUint16(body + 6, littleEndian)}: only version 1 is known`);
        earlierInterfaces += interfaces.length;
        interfaces = [];
        break;
      }
      case PCAPNG_BLOCK_INTERFACE_DESCRIPTION:
        if (end - body < INTERFACE_DESCRIPTION_FIELDS) return stop(`${name} of ${length} bytes is too short`);
        interfaces.push(readInterfaceDescription(view, body, end, littleEndian));
        break;
      case PCAPNG_BLOCK_ENHANCED_PACKET:
      case PCAPNG_BLOCK_PACKET: {
        const enhanced = type === PCAPNG_BLOCK_ENHANCED_PACKET;
        const fieldsLength = enhanced ? ENHANCED_PACKET_FIELDS : OBSOLETE_PACKET_FIELDS;
        if (end - body < fieldsLength) return stop(`${name} of ${length} bytes is too short`);
        // the obsolete block has a 16-bit interface id followed by a 16-bit drop count
        const interfaceId = enhanced ? view.getUint32(body, littleEndian) : view.getUint16(body, littleEndian);
        const iface = interfaces[interfaceId];
        if (!iface) return stop(`${name} for interface ${interfaceId}, but the section describes ${interfaces.length}`);
        const capLen = view.getUint32(body + 12, littleEndian);
        const data = body + fieldsLength;
        if (capLen > end - data) return stop(`${name} with captured length ${capLen}, more than its ${end - data} bytes of data`);
        records.push({
          linkType: iface.linkType,
          interfaceId: earlierInterfaces + interfaceId,
          tsMicros: timestampMicros(iface, view.getUint32(body + 4, littleEndian), view.getUint32(body + 8, littleEndian)),
          data: bytes.subarray(data, data + capLen),
          origLen: view.getUint32(body + 16, littleEndian),
        });
        break;
      }
      case PCAPNG_BLOCK_SIMPLE_PACKET: {
        if (end - body < SIMPLE_PACKET_FIELDS) return stop(`${name} of ${length} bytes is too short`);
        const iface = interfaces[0];
        if (!iface) return stop(`${name} before any Interface Description Block`);
        const origLen = view.getUint32(body, littleEndian);
        const data = body + SIMPLE_PACKET_FIELDS;
        // no captured length of its own: the packet, cut to the snaplen, padded to the block (section 4.4)
        let capLen = Math.min(origLen, end - data);
        if (iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen);
        records.push({ linkType: iface.linkType, interfaceId: earlierInterfaces, tsMicros: undefined, data: bytes.subarray(data, data + capLen), origLen });
        break;
      }
    }
    offset += length;
  }
  return { records, truncated: false };
}
