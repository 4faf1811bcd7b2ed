import { type ReadStop } from './records';
import { PCAP_GLOBAL_HEADER_LENGTH, PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS, PCAP_MAX_RECORD_LENGTH, PCAP_RECORD_HEADER_LENGTH, PCAPNG_MAGIC } from './format';

export interface PcapRecord {
  /** capture time, microseconds since the epoch (nanosecond files are rounded down) */
  tsMicros: number;
  /** the captured bytes (a view into the input, not a copy) */
  data: Uint8Array;
  /** length of the packet on the wire (≥ data.length when the capture was cut to the snaplen) */
  origLen: number;
}

export interface PcapContents {
  /** the file's LINKTYPE_*, or -1 when the global header could not be read */
  linkType: number;
  records: PcapRecord[];
  /** the file ends inside a record: the records before it are complete */
  truncated: boolean;
  /** why reading stopped early (not a pcap file, a record too long to be real) */
  error?: string;
  /** the record reading stopped at, when it stopped inside the records (truncated or a record error) */
  stoppedAt?: ReadStop;
}

/** Read a classic pcap file from memory: either byte order, µs or ns timestamps. Never throws. */
export function readPcap(bytes: Uint8Array): PcapContents {
  if (bytes.length < PCAP_GLOBAL_HEADER_LENGTH) {
    return { linkType: -1, records: [], truncated: bytes.length > 0, error: `not a pcap file: ${bytes.length} bytes, shorter than the 24-byte header` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicLE = view.getUint32(0, true);
  const magicBE = view.getUint32(0, false);
  let littleEndian: boolean;
  let nanos: boolean;
  if (magicLE === PCAP_MAGIC_MICROS || magicLE === PCAP_MAGIC_NANOS) {
    littleEndian = true;
    nanos = magicLE === PCAP_MAGIC_NANOS;
  } else if (magicBE === PCAP_MAGIC_MICROS || magicBE === PCAP_MAGIC_NANOS) {
    littleEndian = false;
    nanos = magicBE === PCAP_MAGIC_NANOS;
  } else {
    const what = magicLE === PCAPNG_MAGIC ? 'a pcapng file (only classic pcap is read)' : `not a pcap file (magic 0x${magicBE.toString(16).padStart(8, '0')})`;
    return { linkType: -1, records: [], truncated: false, error: what };
  }
  // The low 16 bits are the link type; the upper bits carry FCS information.
  const linkType = view.getUint32(20, littleEndian) & 0xffff;
  const records: PcapRecord[] = [];
  let offset = PCAP_GLOBAL_HEADER_LENGTH;
  const stopHere = (): ReadStop => ({ offset, packet: records.length + 1 });
  while (offset < bytes.length) {
    if (bytes.length - offset < PCAP_RECORD_HEADER_LENGTH) return { linkType, records, truncated: true, stoppedAt: stopHere() };
    const seconds = view.getUint32(offset, littleEndian);
    const fraction = view.getUint32(offset + 4, littleEndian);
    const capLen = view.getUint32(offset + 8, littleEndian);
    const origLen = view.getUint32(offset + 12, littleEndian);
    if (capLen > PCAP_MAX_RECORD_LENGTH) {
      return {
        linkType,
        records,
        truncated: false,
        error: `record ${records.length + 1}: captured length ${capLen} is larger than ${PCAP_MAX_RECORD_LENGTH}`,
        stoppedAt: stopHere(),
      };
    }
    const start = offset + PCAP_RECORD_HEADER_LENGTH;
    if (bytes.length - start < capLen) return { linkType, records, truncated: true, stoppedAt: stopHere() };
    records.push({
      tsMicros: seconds * 1_000_000 + (nanos ? Math.floor(fraction / 1000) : fraction),
      data: bytes.subarray(start, start + capLen),
      origLen,
    });
    offset = start + capLen;
  }
  return { linkType, records, truncated: false };
}
