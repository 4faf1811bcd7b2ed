import { foldChecksum, sumWords } from './checksum';
import { writeU16, writeU32 } from './bytes';
import { ETHERNET_HEADER_LENGTH, IPPROTO_TCP, IPV6_HEADER_LENGTH } from './constants';
import { isIpv6Address } from './address';
import { buildTcpFrame, buildTcpPacket, type LinkAddresses, type TcpPacketOptions } from './build';

export type TcpProbeTemplateOptions = Omit<TcpPacketOptions, 'dstPort' | 'seq'> & Partial<LinkAddresses>;

/**
 * A TCP probe built once and patched in place for each port: the hot path of a SYN scan sends
 * 100k+ frames/s, so `fill` allocates nothing and updates both checksums from precomputed sums
 * of the fixed fields (the varying fields are added to those sums, RFC 1071's incremental idea).
 * IPv6 addresses make an IPv6 probe, which has no IP checksum and no IP id to patch.
 */
export class TcpProbeTemplate {
  /** the frame (Ethernet when MACs were given, else a bare IP packet); rewritten by every fill() */
  readonly bytes: Uint8Array;
  private readonly ipOffset: number;
  private readonly tcpOffset: number;
  private readonly v6: boolean;
  private readonly ipBaseSum: number;
  private readonly tcpBaseSum: number;
  private readonly srcPort: number;
  private readonly id: number;
  /** the TCP flags every filled probe carries */
  readonly flags: number;
  /** IP total length of every filled probe (for IPv6: its payload length + 40) */
  readonly ipLength: number;

  constructor(o: TcpProbeTemplateOptions) {
    if ((o.srcMac === undefined) !== (o.dstMac === undefined)) throw new TypeError('TcpProbeTemplate: give both srcMac and dstMac, or neither');
    const zeroed = { ...o, dstPort: 0, seq: 0, srcPort: 0, id: 0 };
    this.bytes = o.srcMac !== undefined && o.dstMac !== undefined ? buildTcpFrame({ ...zeroed, srcMac: o.srcMac, dstMac: o.dstMac }) : buildTcpPacket(zeroed);
    this.ipOffset = o.srcMac !== undefined ? ETHERNET_HEADER_LENGTH : 0;
    this.v6 = isIpv6Address(o.srcIp);
    this.tcpOffset = this.ipOffset + (this.v6 ? IPV6_HEADER_LENGTH : (this.bytes[this.ipOffset]! & 15) * 4);
    this.srcPort = o.srcPort;
    this.id = o.id ?? 0;
    this.flags = o.flags;
    this.ipLength = this.bytes.length - this.ipOffset;
    // Sums over the header with the varying fields and the checksums themselves zeroed.
    if (!this.v6) writeU16(this.bytes, this.ipOffset + 10, 0);
    this.ipBaseSum = this.v6 ? 0 : sumWords(this.bytes, this.ipOffset, this.tcpOffset);
    writeU16(this.bytes, this.tcpOffset + 16, 0);
    const tcpLength = this.bytes.length - this.tcpOffset;
    // The pseudo-header's addresses straight from the built header: IPv4's bytes 12-19, IPv6's 8-39.
    const addressSum = this.v6 ? sumWords(this.bytes, this.ipOffset + 8, this.tcpOffset) : sumWords(this.bytes, this.ipOffset + 12, this.ipOffset + 20);
    const pseudo = addressSum + IPPROTO_TCP + tcpLength;
    this.tcpBaseSum = sumWords(this.bytes, this.tcpOffset, this.bytes.length, pseudo);
    this.fill(0, 0);
  }

  /** Patch destination port, sequence number and optionally source port / IPv4 id; returns `bytes` (shared: send it before the next fill). */
  fill(dstPort: number, seq: number, srcPort = this.srcPort, id = this.id): Uint8Array {
    const b = this.bytes;
    const ip = this.ipOffset;
    const tcp = this.tcpOffset;
    seq >>>= 0;
    if (!this.v6) {
      writeU16(b, ip + 4, id);
      writeU16(b, ip + 10, foldChecksum(this.ipBaseSum + (id & 0xffff)));
    }
    writeU16(b, tcp, srcPort);
    writeU16(b, tcp + 2, dstPort);
    writeU32(b, tcp + 4, seq);
    writeU16(b, tcp + 16, foldChecksum(this.tcpBaseSum + (srcPort & 0xffff) + (dstPort & 0xffff) + (seq >>> 16) + (seq & 0xffff)));
    return b;
  }
}
