import { decodeLinkFrame, type DecodedFrame } from '../wire';
import type { CaptureRecord } from '../wire/pcap';

/** One packet of a capture file, decoded as far as PortLab can. */
export interface CapturedPacket {
  /** 1-based, as Wireshark numbers the packets of the file */
  frame: number;
  /** capture time in µs since the epoch */
  tMicros: number;
  /** undefined when the link type is not one PortLab decodes or the frame is shorter than its link header */
  decoded: DecodedFrame | undefined;
}

export interface DecodedCapture {
  packets: CapturedPacket[];
  /** copies of a packet already seen on another interface of the same capture, left out of `packets` */
  duplicates: number;
}

/** A copy seen on two interfaces (a pcapng of several, Wireshark's "any" beside the NIC) is this close in time. */
const SAME_PACKET_MICROS = 10_000;

/**
 * The records of a capture in file order; a record without a time (pcapng Simple Packet Block) takes the
 * time of the one before. The second copy of one IP packet captured on another interface is left out,
 * so that each packet of an exchange is there once.
 */
export function decodeRecords(records: readonly CaptureRecord[]): DecodedCapture {
  const packets: CapturedPacket[] = [];
  const seen = new Map<string, { interfaceId: number; tMicros: number }>();
  let duplicates = 0;
  let previous = 0;
  records.forEach((record, index) => {
    const tMicros = record.tsMicros ?? previous;
    previous = tMicros;
    const decoded = decodeLinkFrame(record.linkType, record.data);
    const key = identity(decoded);
    const earlier = key === undefined ? undefined : seen.get(key);
    if (earlier && earlier.interfaceId !== record.interfaceId && tMicros - earlier.tMicros <= SAME_PACKET_MICROS) {
      duplicates++;
      return;
    }
    if (key !== undefined) seen.set(key, { interfaceId: record.interfaceId, tMicros });
    packets.push({ frame: index + 1, tMicros, decoded });
  });
  return { packets, duplicates };
}

/**
 * What tells one IP packet from another: its addresses, IPv4 id or IPv6 flow label, and length, and its
 * ports, flags and sequence numbers or ICMP (ICMPv6) header.
 */
function identity(frame: DecodedFrame | undefined): string | undefined {
  const ip = frame?.ip;
  const ip6 = frame?.ip6;
  if (!frame || (!ip && !ip6)) return undefined;
  const { tcp, udp } = frame;
  const icmp = frame.icmp ?? frame.icmp6;
  const l4 = tcp
    ? `${tcp.srcPort} ${tcp.dstPort} ${tcp.seq} ${tcp.ack} ${tcp.flags}`
    : udp
      ? `${udp.srcPort} ${udp.dstPort}`
      : icmp
        ? `${icmp.type} ${icmp.code} ${icmp.rest}`
        : '';
  if (ip6) return `${ip6.src} ${ip6.dst} ${ip6.flowLabel} ${ip6.protocol} ${ip6.payloadLength} ${l4}`;
  return `${ip!.src} ${ip!.dst} ${ip!.id} ${ip!.protocol} ${ip!.totalLength} ${l4}`;
}
