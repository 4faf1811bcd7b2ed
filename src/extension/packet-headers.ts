import { decodeLinkFrame, type DecodedFrame, type IPv4Header, type TcpHeader } from '../wire';
import { readCaptureFile, type CaptureContents } from '../wire/pcap';
import type { HeaderField, HeaderLayer } from '../protocol/webview';

const hex = (n: number, digits: number) => `0x${n.toString(16).padStart(digits, '0')}`;

function ipv4Layer(ip: IPv4Header): HeaderLayer {
  const fields: HeaderField[] = [
    { name: 'Version', bits: 4, value: String(ip.version) },
    { name: 'IHL', bits: 4, value: String(ip.ihl) },
    { name: 'ToS', bits: 8, value: hex(ip.tos, 2) },
    { name: 'Total Length', bits: 16, value: String(ip.totalLength) },
    { name: 'Identification', bits: 16, value: hex(ip.id, 4) },
    { name: 'R', bits: 1, value: String((ip.flags >> 2) & 1), set: ((ip.flags >> 2) & 1) === 1 },
    { name: 'DF', bits: 1, value: String((ip.flags >> 1) & 1), set: ((ip.flags >> 1) & 1) === 1 },
    { name: 'MF', bits: 1, value: String(ip.flags & 1), set: (ip.flags & 1) === 1 },
    { name: 'Fragment Offset', bits: 13, value: String(ip.fragmentOffset) },
    { name: 'TTL', bits: 8, value: String(ip.ttl) },
    { name: 'Protocol', bits: 8, value: `${ip.protocol} ${PROTOCOL_NAMES[ip.protocol] ?? ''}`.trim() },
    { name: 'Header Checksum', bits: 16, value: hex(ip.checksum, 4) },
    { name: 'Source Address', bits: 32, value: ip.src },
    { name: 'Destination Address', bits: 32, value: ip.dst },
  ];
  if (ip.options.length > 0) fields.push({ name: 'Options', bits: ip.options.length * 8, value: `${ip.options.length} bytes` });
  return { name: 'IPv4', fields };
}

const PROTOCOL_NAMES: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP' };

// Flag bits from the most significant (CWR, bit 8 of the 4th word) to FIN, as RFC 793/3168 draw them.
const TCP_FLAG_BITS: [string, number][] = [
  ['CWR', 0x80],
  ['ECE', 0x40],
  ['URG', 0x20],
  ['ACK', 0x10],
  ['PSH', 0x08],
  ['RST', 0x04],
  ['SYN', 0x02],
  ['FIN', 0x01],
];

function tcpLayer(tcp: TcpHeader): HeaderLayer {
  const fields: HeaderField[] = [
    { name: 'Source Port', bits: 16, value: String(tcp.srcPort) },
    { name: 'Destination Port', bits: 16, value: String(tcp.dstPort) },
    { name: 'Sequence Number', bits: 32, value: String(tcp.seq) },
    { name: 'Acknowledgment Number', bits: 32, value: String(tcp.ack) },
    { name: 'Data Offset', bits: 4, value: String(tcp.dataOffset) },
    { name: 'Reserved', bits: 4, value: '0' },
    ...TCP_FLAG_BITS.map(([name, bit]): HeaderField => ({ name, bits: 1, value: tcp.flags & bit ? '1' : '0', set: (tcp.flags & bit) !== 0 })),
    { name: 'Window', bits: 16, value: String(tcp.window) },
    { name: 'Checksum', bits: 16, value: hex(tcp.checksum, 4) },
    { name: 'Urgent Pointer', bits: 16, value: String(tcp.urgent) },
  ];
  const optionBytes = (tcp.dataOffset - 5) * 4;
  if (optionBytes > 0) fields.push({ name: 'Options', bits: optionBytes * 8, value: tcp.options.map(optionName).join(', ') });
  return { name: 'TCP', fields };
}

const OPTION_NAMES: Record<number, string> = { 0: 'EOL', 1: 'NOP', 2: 'MSS', 3: 'WS', 4: 'SACK-OK', 5: 'SACK', 8: 'TS' };

function optionName(o: { kind: number; data?: Uint8Array }): string {
  const name = OPTION_NAMES[o.kind] ?? `kind ${o.kind}`;
  if (o.kind === 2 && o.data?.length === 2) return `MSS ${(o.data[0]! << 8) | o.data[1]!}`;
  if (o.kind === 3 && o.data?.length === 1) return `WS ${o.data[0]}`;
  return name;
}

/** The decoded headers of one frame, outermost first, as the header diagram draws them. */
export function headerLayers(frame: DecodedFrame): HeaderLayer[] {
  const layers: HeaderLayer[] = [];
  if (frame.ip) layers.push(ipv4Layer(frame.ip));
  if (frame.tcp) layers.push(tcpLayer(frame.tcp));
  if (frame.udp)
    layers.push({
      name: 'UDP',
      fields: [
        { name: 'Source Port', bits: 16, value: String(frame.udp.srcPort) },
        { name: 'Destination Port', bits: 16, value: String(frame.udp.dstPort) },
        { name: 'Length', bits: 16, value: String(frame.udp.length) },
        { name: 'Checksum', bits: 16, value: hex(frame.udp.checksum, 4) },
      ],
    });
  if (frame.icmp) {
    const errorQuote = frame.icmp.quoted;
    layers.push({
      name: 'ICMP',
      fields: [
        { name: 'Type', bits: 8, value: String(frame.icmp.type) },
        { name: 'Code', bits: 8, value: String(frame.icmp.code) },
        { name: 'Checksum', bits: 16, value: hex(frame.icmp.checksum, 4) },
        { name: errorQuote ? 'Unused' : 'Rest of Header', bits: 32, value: hex(frame.icmp.rest >>> 0, 8) },
      ],
    });
  }
  return layers;
}

/**
 * The decoded headers of frame `frame` (1-based, as ExchangePacket.frame and the capture analysis number
 * them) of a capture already read. Throws an Error with a readable message when the frame is not there.
 */
export function frameHeaders(capture: CaptureContents, frame: number): HeaderLayer[] {
  const record = capture.records[frame - 1];
  if (!record) throw new Error(`the capture has ${capture.records.length} frames, not frame ${frame}`);
  const decoded = decodeLinkFrame(record.linkType, record.data);
  if (!decoded?.ip) throw new Error(`frame ${frame} is not an IPv4 packet`);
  return headerLayers(decoded);
}

/** frameHeaders of a pcap or pcapng file. */
export function readPacketHeaders(path: string, frame: number): HeaderLayer[] {
  const capture = readCaptureFile(path);
  if (capture.error && capture.records.length === 0) throw new Error(`${path}: ${capture.error}`);
  try {
    return frameHeaders(capture, frame);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
