import { decodeArp, type ArpPacket } from './arp';
import { foldChecksum, internetChecksum, sumWords } from './checksum';
import { readU16 } from './bytes';
import {
  ETHERNET_HEADER_LENGTH,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  IP_FLAG_MF,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV6_HEADER_LENGTH,
} from './constants';
import { decodeEthernet, type EthernetHeader } from './ethernet';
import { decodeIcmp, type IcmpMessage } from './icmp';
import { decodeIcmpv6, type Icmpv6Message } from './icmpv6';
import { decodeIPv4Header, type IPv4Header } from './ipv4';
import { decodeIPv6Header, type IPv6Header } from './ipv6';
import { type LinuxCookedHeader } from './linux-cooked';
import { decodeTcp, type TcpHeader } from './tcp';
import { decodeUdp, type UdpHeader } from './udp';

/**
 * Every layer of a frame that was well formed. Checksums are reported, not enforced: packets a host
 * sends itself are captured before the NIC fills in offloaded checksums, so they look wrong.
 * An IPv4 packet sets `ip` (and `icmp`), an IPv6 one `ip6` (and `icmp6`); `tcp` and `udp` are either's.
 */
export interface DecodedFrame {
  eth?: EthernetHeader;
  arp?: ArpPacket;
  ip?: IPv4Header;
  ip6?: IPv6Header;
  tcp?: TcpHeader;
  udp?: UdpHeader;
  icmp?: IcmpMessage;
  icmp6?: Icmpv6Message;
  /** set when ip is (IPv6 has no header checksum) */
  ipChecksumOk?: boolean;
  /**
   * set when tcp, udp, icmp or icmp6 is and the packet is not a fragment (a UDP checksum of 0 means none:
   * ok over IPv4; over IPv6 a UDP checksum is mandatory, so 0 is wrong)
   */
  l4ChecksumOk?: boolean;
  /** decodeLinkFrame only: the 802.1Q / 802.1ad VLAN ids between the link header and the payload, outermost first */
  vlanIds?: number[];
  /** decodeLinkFrame only: the Linux cooked header of a capture on the "any" interface */
  cooked?: LinuxCookedHeader;
}

/** An Ethernet II frame; undefined when shorter than an Ethernet header. Never throws. */
export function decodeFrame(bytes: Uint8Array): DecodedFrame | undefined {
  const eth = decodeEthernet(bytes);
  if (!eth) return undefined;
  return decodeEtherTypePayload({ eth }, bytes, ETHERNET_HEADER_LENGTH, eth.etherType);
}

/**
 * Adds to frame the layer an EtherType announces at offset: ARP, IPv4 or IPv6, when well formed; any
 * other EtherType adds nothing. What every link layer decodeLinkFrame knows hands on to. Never throws.
 */
export function decodeEtherTypePayload(frame: DecodedFrame, bytes: Uint8Array, offset: number, etherType: number): DecodedFrame {
  if (etherType === ETHERTYPE_ARP) {
    const arp = decodeArp(bytes, offset, bytes.length);
    if (arp) frame.arp = arp;
  } else if (etherType === ETHERTYPE_IPV4) {
    decodeIPv4Into(frame, bytes, offset);
  } else if (etherType === ETHERTYPE_IPV6) {
    decodeIPv6Into(frame, bytes, offset);
  }
  return frame;
}

/** A bare IPv4 packet (raw sockets, LINKTYPE_RAW); undefined when the IP header is not valid. Never throws. */
export function decodeIPv4Packet(bytes: Uint8Array): DecodedFrame | undefined {
  const frame: DecodedFrame = {};
  return decodeIPv4Into(frame, bytes, 0) ? frame : undefined;
}

/** A bare IPv6 packet (LINKTYPE_IPV6); undefined when the IPv6 header is not valid. Never throws. */
export function decodeIPv6Packet(bytes: Uint8Array): DecodedFrame | undefined {
  const frame: DecodedFrame = {};
  return decodeIPv6Into(frame, bytes, 0) ? frame : undefined;
}

/** A bare IP packet of either version, as its first nibble says (LINKTYPE_RAW, a probe we built). Never throws. */
export function decodeIpPacket(bytes: Uint8Array): DecodedFrame | undefined {
  return bytes.length > 0 && bytes[0]! >> 4 === 6 ? decodeIPv6Packet(bytes) : decodeIPv4Packet(bytes);
}

/** The IP layer's facts that do not depend on the version, for code that handles both. */
export interface IpView {
  version: 4 | 6;
  src: string;
  dst: string;
  /** the upper-layer protocol (after IPv6's extension headers) */
  protocol: number;
  /** TTL, or IPv6's hop limit */
  ttl: number;
  /** IPv4's total length; for IPv6 its payload length + 40 (the same count of bytes on the wire) */
  totalLength: number;
  /**
   * IPv4's IP ID; IPv6 has none but the Identification of a fragment header, absent without one (what an
   * idle scan over IPv6 reads from a zombie made to send atomic fragments)
   */
  id?: number;
}

export function ipView(frame: DecodedFrame): IpView | undefined {
  const { ip, ip6 } = frame;
  if (ip) return { version: 4, src: ip.src, dst: ip.dst, protocol: ip.protocol, ttl: ip.ttl, totalLength: ip.totalLength, id: ip.id };
  if (ip6) {
    const view: IpView = {
      version: 6,
      src: ip6.src,
      dst: ip6.dst,
      protocol: ip6.protocol,
      ttl: ip6.hopLimit,
      totalLength: ip6.payloadLength + IPV6_HEADER_LENGTH,
    };
    if (ip6.fragment) view.id = ip6.fragment.id;
    return view;
  }
  return undefined;
}

function decodeIPv6Into(frame: DecodedFrame, bytes: Uint8Array, offset: number): boolean {
  if (bytes.length - offset < IPV6_HEADER_LENGTH) return false;
  // Ethernet pads short frames to 60 bytes, so the packet ends at its payload length, not at the buffer's end.
  const end = offset + IPV6_HEADER_LENGTH + readU16(bytes, offset + 4);
  if (end > bytes.length) return false;
  const ip6 = decodeIPv6Header(bytes, offset, end);
  if (!ip6) return false;
  frame.ip6 = ip6;
  if (ip6.fragment && ip6.fragment.offset !== 0) return true;
  const l4 = offset + ip6.headerLength;
  const whole = !ip6.fragment;
  const l4Length = end - l4;
  // Pseudo-header straight from the header bytes: source and destination are bytes 8..39, the length 32 bits.
  const addressSum = sumWords(bytes, offset + 8, offset + IPV6_HEADER_LENGTH) + (l4Length >>> 16) + (l4Length & 0xffff);
  switch (ip6.protocol) {
    case IPPROTO_TCP: {
      const tcp = decodeTcp(bytes, l4, end);
      if (tcp) {
        frame.tcp = tcp;
        if (whole) frame.l4ChecksumOk = foldChecksum(sumWords(bytes, l4, end, addressSum + IPPROTO_TCP)) === 0;
      }
      break;
    }
    case IPPROTO_UDP: {
      const udp = decodeUdp(bytes, l4, end);
      if (udp) {
        frame.udp = udp;
        const udpSum = sumWords(bytes, offset + 8, offset + IPV6_HEADER_LENGTH) + udp.length + IPPROTO_UDP;
        if (whole) frame.l4ChecksumOk = udp.checksum !== 0 && foldChecksum(sumWords(bytes, l4, l4 + udp.length, udpSum)) === 0;
      }
      break;
    }
    case IPPROTO_ICMPV6: {
      const icmp6 = decodeIcmpv6(bytes, l4, end);
      if (icmp6) {
        frame.icmp6 = icmp6;
        if (whole) frame.l4ChecksumOk = foldChecksum(sumWords(bytes, l4, end, addressSum + IPPROTO_ICMPV6)) === 0;
      }
      break;
    }
  }
  return true;
}

function decodeIPv4Into(frame: DecodedFrame, bytes: Uint8Array, offset: number): boolean {
  const ip = decodeIPv4Header(bytes, offset, bytes.length);
  if (!ip) return false;
  const headerLength = ip.ihl * 4;
  // Ethernet pads short frames to 60 bytes, so the packet ends at totalLength, not at the buffer's end.
  if (ip.totalLength < headerLength || ip.totalLength > bytes.length - offset) return false;
  frame.ip = ip;
  frame.ipChecksumOk = internetChecksum(bytes, offset, offset + headerLength) === 0;
  if (ip.fragmentOffset !== 0) return true;
  const l4 = offset + headerLength;
  const end = offset + ip.totalLength;
  const whole = (ip.flags & IP_FLAG_MF) === 0;
  const l4Length = end - l4;
  // Pseudo-header straight from the header bytes: source and destination are bytes 12..19.
  const addressSum = sumWords(bytes, offset + 12, offset + 20);
  switch (ip.protocol) {
    case IPPROTO_TCP: {
      const tcp = decodeTcp(bytes, l4, end);
      if (tcp) {
        frame.tcp = tcp;
        if (whole) frame.l4ChecksumOk = foldChecksum(sumWords(bytes, l4, end, addressSum + IPPROTO_TCP + l4Length)) === 0;
      }
      break;
    }
    case IPPROTO_UDP: {
      const udp = decodeUdp(bytes, l4, end);
      if (udp) {
        frame.udp = udp;
        const udpEnd = l4 + udp.length;
        if (whole) frame.l4ChecksumOk = udp.checksum === 0 || foldChecksum(sumWords(bytes, l4, udpEnd, addressSum + IPPROTO_UDP + udp.length)) === 0;
      }
      break;
    }
    case IPPROTO_ICMP: {
      const icmp = decodeIcmp(bytes, l4, end);
      if (icmp) {
        frame.icmp = icmp;
        if (whole) frame.l4ChecksumOk = internetChecksum(bytes, l4, end) === 0;
      }
      break;
    }
  }
  return true;
}
