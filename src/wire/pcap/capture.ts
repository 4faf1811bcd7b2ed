import { isDecodableLinkType, unsupportedLinkTypeMessage } from '../link-frame';
import { PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS, PCAPNG_MAGIC } from './format';
import { readPcapng } from './pcapng';
import { readPcap } from './reader';
import { describeStop, type CaptureFormat, type CaptureRecord, type ReadStop } from './records';

export interface CaptureContents {
  /** undefined when the input is neither */
  format: CaptureFormat | undefined;
  records: CaptureRecord[];
  /** the file ends inside a record or block: every record before it is complete */
  truncated: boolean;
  /** why reading stopped before the end, and where; for an unknown format, that it is one */
  error?: string;
  stoppedAt?: ReadStop;
  /** one line for each link type some record has that decodeLinkFrame cannot decode */
  unsupportedLinkTypes: string[];
}

const MAGIC_LENGTH = 4;
const PCAP_MAGICS = [PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS];

/** A classic pcap (either byte order, µs or ns) or pcapng file from memory, told apart by its magic. Never throws. */
export function readCapture(bytes: Uint8Array): CaptureContents {
  if (bytes.length < MAGIC_LENGTH) {
    return { format: undefined, records: [], truncated: false, error: `not a pcap or pcapng file: only ${bytes.length} bytes`, unsupportedLinkTypes: [] };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, MAGIC_LENGTH);
  const magic = view.getUint32(0, false);
  const magicLittleEndian = view.getUint32(0, true);
  if (magic === PCAPNG_MAGIC) return withLinkTypeCheck({ format: 'pcapng', ...readPcapng(bytes) });
  if (PCAP_MAGICS.some((m) => m === magic || m === magicLittleEndian)) return withLinkTypeCheck(readClassicPcap(bytes));
  return {
    format: undefined,
    records: [],
    truncated: false,
    error: `not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})`,
    unsupportedLinkTypes: [],
  };
}

function readClassicPcap(bytes: Uint8Array): Omit<CaptureContents, 'unsupportedLinkTypes'> {
  const pcap = readPcap(bytes);
  const records = pcap.records.map((r): CaptureRecord => ({ linkType: pcap.linkType, interfaceId: 0, tsMicros: r.tsMicros, data: r.data, origLen: r.origLen }));
  const contents = { format: 'pcap' as const, records, truncated: pcap.truncated };
  if (!pcap.stoppedAt) return pcap.error === undefined ? contents : { ...contents, error: pcap.error };
  const reason = pcap.error ?? `the file ends inside record ${pcap.stoppedAt.packet}`;
  return { ...contents, error: describeStop(pcap.stoppedAt, reason), stoppedAt: pcap.stoppedAt };
}

function withLinkTypeCheck(contents: Omit<CaptureContents, 'unsupportedLinkTypes'>): CaptureContents {
  const seen = new Set<number>();
  const unsupportedLinkTypes: string[] = [];
  for (const { linkType } of contents.records) {
    if (seen.has(linkType)) continue;
    seen.add(linkType);
    if (!isDecodableLinkType(linkType)) unsupportedLinkTypes.push(unsupportedLinkTypeMessage(linkType));
  }
  return { ...contents, unsupportedLinkTypes };
}
