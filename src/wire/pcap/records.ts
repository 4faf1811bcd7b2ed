export type CaptureFormat = 'pcap' | 'pcapng';

/** One captured packet of a pcap or pcapng file, with what it takes to decode it. */
export interface CaptureRecord {
  /** LINKTYPE_* of the interface it was captured on (pcapng interfaces may differ within one file) */
  linkType: number;
  /** the capturing interface, numbered from 0 through the whole file (pcapng sections each describe their own); 0 in a pcap file */
  interfaceId: number;
  /** capture time, microseconds since the epoch, rounded down; undefined for a pcapng Simple Packet Block, which has none */
  tsMicros: number | undefined;
  /** the captured bytes (a view into the input, not a copy) */
  data: Uint8Array;
  /** length of the packet on the wire (≥ data.length when the capture was cut to the snaplen) */
  origLen: number;
}

/** Where reading stopped before the end of the input. */
export interface ReadStop {
  /** byte offset of the record or block that could not be read */
  offset: number;
  /** 1-based number the first packet not read would have had */
  packet: number;
}

/** "<what was wrong> (stopped at byte 1004, packet 10)": one line that also says where the file went wrong. */
export function describeStop(stop: ReadStop, reason: string): string {
  return `${reason} (stopped at byte ${stop.offset}, packet ${stop.packet})`;
}
