import {
  ETHERNET_HEADER_LENGTH,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  IP_FLAG_MF,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV6_HEADER_LENGTH,
  ipv4ToU32,
  ipv6ToBytes,
  isIcmpError,
  isIcmpv6Error,
  isIpv6Address,
  readIpv4,
  readIpv6,
  type DecodedFrame,
} from '../wire';

/** Which upper layer a packet's fields hold. */
export const LAYER_NONE = 0;
export const LAYER_TCP = 1;
export const LAYER_UDP = 2;
export const LAYER_ICMP = 3;

/**
 * What the scan reads from a captured IPv4 or IPv6 packet, as numbers: addresses are small ids of the
 * scan's own addresses (AddressBook), -1 for any other. One instance per scan, refilled for every frame
 * (readPacketFields straight from the bytes, or fieldsOfDecoded from decodeFrame's objects), so the common
 * answers cost no allocation. Fields of a layer the packet does not have keep stale values: read them only
 * after checking `layer` (and `quoted`).
 */
export class PacketFields {
  ipVersion: 4 | 6 = 4;
  /** the IP header's protocol (after IPv6's extension headers) */
  protocol = 0;
  /** TTL, or IPv6's hop limit */
  ttl = 0;
  /** IPv4's total length; IPv6's payload length + 40 */
  ipLength = 0;
  srcId = -1;
  dstId = -1;
  /** the source address when it is none of the scan's (srcId -1): set by fieldsOfDecoded only */
  srcText: string | undefined;
  layer = LAYER_NONE;
  /** TCP or UDP */
  srcPort = 0;
  dstPort = 0;
  /** TCP */
  seq = 0;
  ack = 0;
  flags = 0;
  window = 0;
  /** ICMP or ICMPv6 (as ipVersion says) */
  icmpType = 0;
  icmpCode = 0;
  /** an ICMP error quoting a well-formed IP header */
  quoted = false;
  qProtocol = 0;
  qSrcId = -1;
  qDstId = -1;
  /** -1 when not quoted (fewer than 4 bytes of the upper layer, a later fragment, neither TCP nor UDP) */
  qSrcPort = -1;
  qDstPort = -1;
  qHasSeq = false;
  qSeq = 0;
}

/**
 * The addresses one scan knows (the target and its sources), each a small id; equal addresses share one,
 * so on `lo`, where the target is our own source, both are the same id. An address is known in the text
 * form decoded packets write (dotted quad, RFC 5952) and as its bytes.
 */
export class AddressBook {
  readonly texts: string[] = [];
  private readonly idOfText = new Map<string, number>();
  /** IPv4 addresses as int32 words (one per id, 0 for an IPv6 one) */
  private readonly v4: number[] = [];
  /** IPv6 addresses as four int32 words per id */
  private readonly v6: number[] = [];
  private readonly isV6: boolean[] = [];
  /** false for an address the decoder would write otherwise (leading zeros…): no packet carries it */
  private readonly matchable: boolean[] = [];

  /** The id of `text`, added when new. */
  add(text: string): number {
    let id = this.idOfText.get(text);
    if (id !== undefined) return id;
    id = this.texts.length;
    this.texts.push(text);
    this.idOfText.set(text, id);
    const v6 = isIpv6Address(text);
    const bytes = v6 ? ipv6ToBytes(text) : u32Bytes(ipv4ToU32(text));
    this.isV6.push(v6);
    this.matchable.push((v6 ? readIpv6(bytes, 0) : readIpv4(bytes, 0)) === text);
    this.v4.push(v6 ? 0 : word(bytes, 0));
    for (let k = 0; k < 4; k++) this.v6.push(v6 ? word(bytes, 4 * k) : 0);
    return id;
  }

  /** the id of an address in decoded text form, -1 when it is none of the scan's */
  idOf(text: string): number {
    return this.idOfText.get(text) ?? -1;
  }

  /** the id of the IPv4 address at bytes[at..at+4), -1 when unknown */
  idOfV4(bytes: Uint8Array, at: number): number {
    const w = word(bytes, at);
    for (let id = 0; id < this.texts.length; id++) if (this.matchable[id] && !this.isV6[id] && this.v4[id] === w) return id;
    return -1;
  }

  /** the id of the IPv6 address at bytes[at..at+16), -1 when unknown */
  idOfV6(bytes: Uint8Array, at: number): number {
    const w0 = word(bytes, at);
    const w1 = word(bytes, at + 4);
    const w2 = word(bytes, at + 8);
    const w3 = word(bytes, at + 12);
    const v6 = this.v6;
    for (let id = 0; id < this.texts.length; id++) {
      const k = 4 * id;
      if (this.matchable[id] && this.isV6[id] && v6[k] === w0 && v6[k + 1] === w1 && v6[k + 2] === w2 && v6[k + 3] === w3) return id;
    }
    return -1;
  }
}

const word = (b: Uint8Array, at: number): number => (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]! | 0;
const u32Bytes = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number): number => word(b, at) >>> 0;

/**
 * Fills `f` from an Ethernet frame carrying IPv4 or IPv6 with TCP, UDP, ICMP or ICMPv6 straight after the
 * fixed header, from a source address the scan knows: the scan's common answers and its own probes.
 * Returns false for anything else (ARP, IPv6 extension headers, fragments, a header that does not fit,
 * an ICMP error from a router…), which decodeFrame and fieldsOfDecoded then read. Where it returns true,
 * `f` holds what fieldsOfDecoded(decodeFrame(frame)) would: the same frame gives the same answer either way.
 */
export function readPacketFields(b: Uint8Array, f: PacketFields, book: AddressBook): boolean {
  const n = b.length;
  if (n < ETHERNET_HEADER_LENGTH) return false;
  const etherType = u16(b, 12);
  const ip = ETHERNET_HEADER_LENGTH;
  let l4: number;
  let end: number;
  if (etherType === ETHERTYPE_IPV4) {
    if (n - ip < 20) return false;
    const ihl = b[ip]! & 15;
    if (b[ip]! >> 4 !== 4 || ihl < 5) return false;
    const totalLength = u16(b, ip + 2);
    const flagsAndOffset = u16(b, ip + 6);
    // a fragment (even the first, whose upper layer decodeFrame reads unchecked) is left to decodeFrame
    if (totalLength < ihl * 4 || totalLength > n - ip || flagsAndOffset & 0x1fff || (flagsAndOffset >> 13) & IP_FLAG_MF) return false;
    f.ipVersion = 4;
    f.protocol = b[ip + 9]!;
    f.ttl = b[ip + 8]!;
    f.ipLength = totalLength;
    f.srcId = book.idOfV4(b, ip + 12);
    f.dstId = book.idOfV4(b, ip + 16);
    l4 = ip + ihl * 4;
    end = ip + totalLength;
    if (f.protocol !== IPPROTO_TCP && f.protocol !== IPPROTO_UDP && f.protocol !== IPPROTO_ICMP) return false;
  } else if (etherType === ETHERTYPE_IPV6) {
    if (n - ip < IPV6_HEADER_LENGTH || b[ip]! >> 4 !== 6) return false;
    const payloadLength = u16(b, ip + 4);
    end = ip + IPV6_HEADER_LENGTH + payloadLength;
    if (end > n) return false;
    f.ipVersion = 6;
    f.protocol = b[ip + 6]!;
    f.ttl = b[ip + 7]!;
    f.ipLength = payloadLength + IPV6_HEADER_LENGTH;
    f.srcId = book.idOfV6(b, ip + 8);
    f.dstId = book.idOfV6(b, ip + 24);
    l4 = ip + IPV6_HEADER_LENGTH;
    if (f.protocol !== IPPROTO_TCP && f.protocol !== IPPROTO_UDP && f.protocol !== IPPROTO_ICMPV6) return false;
  } else return false;
  if (f.srcId < 0) return false;
  f.srcText = undefined;
  f.quoted = false;
  if (f.protocol === IPPROTO_TCP) {
    if (end - l4 < 20) return false;
    const dataOffset = b[l4 + 12]! >> 4;
    if (dataOffset < 5 || end - l4 < dataOffset * 4) return false;
    f.layer = LAYER_TCP;
    f.srcPort = u16(b, l4);
    f.dstPort = u16(b, l4 + 2);
    f.seq = u32(b, l4 + 4);
    f.ack = u32(b, l4 + 8);
    f.flags = b[l4 + 13]!;
    f.window = u16(b, l4 + 14);
    return true;
  }
  if (f.protocol === IPPROTO_UDP) {
    if (end - l4 < 8) return false;
    const length = u16(b, l4 + 4);
    if (length < 8 || length > end - l4) return false;
    f.layer = LAYER_UDP;
    f.srcPort = u16(b, l4);
    f.dstPort = u16(b, l4 + 2);
    return true;
  }
  if (end - l4 < 8) return false;
  f.layer = LAYER_ICMP;
  f.icmpType = b[l4]!;
  f.icmpCode = b[l4 + 1]!;
  if (!(f.ipVersion === 4 ? isIcmpError(f.icmpType) : isIcmpv6Error(f.icmpType))) return true;
  return readQuoted(b, l4 + 8, end, f, book);
}

/** The header an ICMP error quotes, as decodeQuotedDatagram(6) reads it; false where only decodeFrame can. */
function readQuoted(b: Uint8Array, q: number, end: number, f: PacketFields, book: AddressBook): boolean {
  let ql4: number;
  if (f.ipVersion === 4) {
    if (end - q < 20) return true;
    const ihl = b[q]! & 15;
    if (b[q]! >> 4 !== 4 || ihl < 5 || end - q < ihl * 4) return true;
    f.qProtocol = b[q + 9]!;
    f.qSrcId = book.idOfV4(b, q + 12);
    f.qDstId = book.idOfV4(b, q + 16);
    ql4 = q + ihl * 4;
    f.quoted = true;
    f.qSrcPort = f.qDstPort = -1;
    f.qHasSeq = false;
    if (u16(b, q + 6) & 0x1fff) return true;
  } else {
    if (end - q < IPV6_HEADER_LENGTH || b[q]! >> 4 !== 6) return true;
    f.qProtocol = b[q + 6]!;
    // the quoted packet's extension headers: decodeFrame walks them
    if (f.qProtocol === 0 || f.qProtocol === 43 || f.qProtocol === 44 || f.qProtocol === 60) return false;
    f.qSrcId = book.idOfV6(b, q + 8);
    f.qDstId = book.idOfV6(b, q + 24);
    ql4 = q + IPV6_HEADER_LENGTH;
    f.quoted = true;
    f.qSrcPort = f.qDstPort = -1;
    f.qHasSeq = false;
  }
  if (f.qProtocol !== IPPROTO_TCP && f.qProtocol !== IPPROTO_UDP) return true;
  if (end - ql4 >= 4) {
    f.qSrcPort = u16(b, ql4);
    f.qDstPort = u16(b, ql4 + 2);
  }
  if (f.qProtocol === IPPROTO_TCP && end - ql4 >= 8) {
    f.qHasSeq = true;
    f.qSeq = u32(b, ql4 + 4);
  }
  return true;
}

/** Fills `f` from a decoded frame; false when it has no IP layer. */
export function fieldsOfDecoded(d: DecodedFrame, f: PacketFields, book: AddressBook): boolean {
  const ip = d.ip ?? d.ip6;
  if (!ip) return false;
  f.ipVersion = d.ip ? 4 : 6;
  f.protocol = ip.protocol;
  f.ttl = d.ip ? d.ip.ttl : d.ip6!.hopLimit;
  f.ipLength = d.ip ? d.ip.totalLength : d.ip6!.payloadLength + IPV6_HEADER_LENGTH;
  f.srcId = book.idOf(ip.src);
  f.dstId = book.idOf(ip.dst);
  f.srcText = f.srcId < 0 ? ip.src : undefined;
  f.layer = LAYER_NONE;
  f.quoted = false;
  const l4 = d.tcp ?? d.udp;
  const icmp = d.icmp ?? d.icmp6;
  if (l4) {
    f.layer = d.tcp ? LAYER_TCP : LAYER_UDP;
    f.srcPort = l4.srcPort;
    f.dstPort = l4.dstPort;
    if (d.tcp) {
      f.seq = d.tcp.seq;
      f.ack = d.tcp.ack;
      f.flags = d.tcp.flags;
      f.window = d.tcp.window;
    }
  } else if (icmp) {
    f.layer = LAYER_ICMP;
    f.icmpType = icmp.type;
    f.icmpCode = icmp.code;
    const q = icmp.quoted;
    if (q) {
      f.quoted = true;
      f.qProtocol = q.protocol;
      f.qSrcId = book.idOf(q.ip.src);
      f.qDstId = book.idOf(q.ip.dst);
      f.qSrcPort = q.srcPort ?? -1;
      f.qDstPort = q.dstPort ?? -1;
      f.qHasSeq = q.seq !== undefined;
      f.qSeq = q.seq ?? 0;
    }
  }
  return true;
}
