import {
  decodeLinkFrame,
  ICMPV6_DEST_UNREACH,
  ICMPV6_ECHO_REPLY,
  ICMPV6_ECHO_REQUEST,
  ICMPV6_NEIGHBOR_ADVERTISEMENT,
  ICMPV6_NEIGHBOR_SOLICITATION,
  ICMPV6_PACKET_TOO_BIG,
  ICMPV6_PARAMETER_PROBLEM,
  ICMPV6_TIME_EXCEEDED,
  IPV6_HEADER_LENGTH,
  type DecodedFrame,
  type Icmpv6Message,
  type IPv4Header,
  type IPv6Header,
  type TcpHeader,
} from '../wire';
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

/** IPv6 next-header values: the upper layers and the extension headers (RFC 8200 section 4). */
const NEXT_HEADER_NAMES: Record<number, string> = {
  0: 'Hop-by-Hop',
  6: 'TCP',
  17: 'UDP',
  43: 'Routing',
  44: 'Fragment',
  58: 'ICMPv6',
  59: 'No Next Header',
  60: 'Destination Options',
};

const named = (n: number) => `${n} ${NEXT_HEADER_NAMES[n] ?? ''}`.trim();

const IPV6_ADDRESS_BYTES = 16;

/** The fixed IPv6 header as RFC 8200 draws it, and the extension headers the decoder skipped after it. */
function ipv6Layer(ip: IPv6Header): HeaderLayer {
  const fields: HeaderField[] = [
    { name: 'Version', bits: 4, value: String(ip.version) },
    { name: 'Traffic Class', bits: 8, value: hex(ip.trafficClass, 2) },
    { name: 'Flow Label', bits: 20, value: hex(ip.flowLabel, 5) },
    { name: 'Payload Length', bits: 16, value: String(ip.payloadLength) },
    { name: 'Next Header', bits: 8, value: named(ip.nextHeader) },
    { name: 'Hop Limit', bits: 8, value: String(ip.hopLimit) },
    { name: 'Source Address', bits: 128, value: ip.src },
    { name: 'Destination Address', bits: 128, value: ip.dst },
  ];
  const extensionBytes = ip.headerLength - IPV6_HEADER_LENGTH;
  if (extensionBytes > 0) fields.push({ name: 'Extension Headers', bits: extensionBytes * 8, value: ip.extensions.map(named).join(', ') });
  return { name: 'IPv6', fields };
}

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
  if (frame.ip6) layers.push(ipv6Layer(frame.ip6));
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
  if (frame.icmp6) layers.push(icmpv6Layer(frame.icmp6));
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
 * An ICMPv6 message (RFC 4443, RFC 4861): type, code and checksum, then the word each type gives its own
 * meaning, and for neighbour discovery the address asked about and the link-layer address options.
 */
function icmpv6Layer(icmp: Icmpv6Message): HeaderLayer {
  const fields: HeaderField[] = [
    { name: 'Type', bits: 8, value: `${icmp.type} ${ICMPV6_TYPE_NAMES[icmp.type] ?? ''}`.trim() },
    { name: 'Code', bits: 8, value: String(icmp.code) },
    { name: 'Checksum', bits: 16, value: hex(icmp.checksum, 4) },
  ];
  const rest = icmp.rest >>> 0;
  switch (icmp.type) {
    case ICMPV6_ECHO_REQUEST:
    case ICMPV6_ECHO_REPLY:
      fields.push({ name: 'Identifier', bits: 16, value: String(rest >>> 16) }, { name: 'Sequence Number', bits: 16, value: String(rest & 0xffff) });
      break;
    case ICMPV6_PACKET_TOO_BIG:
      fields.push({ name: 'MTU', bits: 32, value: String(rest) });
      break;
    case ICMPV6_PARAMETER_PROBLEM:
      fields.push({ name: 'Pointer', bits: 32, value: String(rest) });
      break;
    case ICMPV6_DEST_UNREACH:
    case ICMPV6_TIME_EXCEEDED:
    case ICMPV6_NEIGHBOR_SOLICITATION:
      fields.push({ name: icmp.type === ICMPV6_NEIGHBOR_SOLICITATION ? 'Reserved' : 'Unused', bits: 32, value: hex(rest, 8) });
      break;
    case ICMPV6_NEIGHBOR_ADVERTISEMENT:
      fields.push(
        ...(['R', 'S', 'O'] as const).map((name, i): HeaderField => {
          const bit = (rest >>> (31 - i)) & 1;
          return { name, bits: 1, value: String(bit), set: bit === 1 };
        }),
        { name: 'Reserved', bits: 29, value: hex(rest & 0x1fffffff, 8) },
      );
      break;
    default:
      fields.push({ name: 'Rest of Header', bits: 32, value: hex(rest, 8) });
  }
  const neighbor = icmp.neighbor;
  if (neighbor) {
    fields.push({ name: 'Target Address', bits: 128, value: neighbor.target });
    const optionBytes = icmp.payload.length - IPV6_ADDRESS_BYTES;
    const mac = neighbor.sourceMac ?? neighbor.targetMac;
    if (optionBytes > 0) fields.push({ name: 'Options', bits: optionBytes * 8, value: mac ? `link-layer address ${mac}` : `${optionBytes} bytes` });
  }
  return { name: 'ICMPv6', fields };
}

const ICMPV6_TYPE_NAMES: Record<number, string> = {
  [ICMPV6_DEST_UNREACH]: 'Destination Unreachable',
  [ICMPV6_PACKET_TOO_BIG]: 'Packet Too Big',
  [ICMPV6_TIME_EXCEEDED]: 'Time Exceeded',
  [ICMPV6_PARAMETER_PROBLEM]: 'Parameter Problem',
  [ICMPV6_ECHO_REQUEST]: 'Echo Request',
  [ICMPV6_ECHO_REPLY]: 'Echo Reply',
  [ICMPV6_NEIGHBOR_SOLICITATION]: 'Neighbor Solicitation',
  [ICMPV6_NEIGHBOR_ADVERTISEMENT]: 'Neighbor Advertisement',
};

/**
 * The decoded headers of frame `frame` (1-based, as ExchangePacket.frame and the capture analysis number
 * them) of a capture already read. Throws an Error with a readable message when the frame is not there.
 */
export function frameHeaders(capture: CaptureContents, frame: number): HeaderLayer[] {
  const record = capture.records[frame - 1];
  if (!record) throw new Error(`the capture has ${capture.records.length} frames, not frame ${frame}`);
  const decoded = decodeLinkFrame(record.linkType, record.data);
  if (!decoded?.ip && !decoded?.ip6) throw new Error(`frame ${frame} is not an IPv4 or IPv6 packet`);
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
