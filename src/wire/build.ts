import { writeArp } from './arp';
import {
  ARP_IPV4_LENGTH,
  ARP_OP_REQUEST,
  BROADCAST_MAC,
  ETHERNET_HEADER_LENGTH,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ICMP_ECHO_REQUEST,
  ICMP_HEADER_LENGTH,
  ICMPV6_ECHO_REQUEST,
  ICMPV6_NEIGHBOR_SOLICITATION,
  IPPROTO_ICMP,
  IPPROTO_FRAGMENT,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV6_HEADER_LENGTH,
  UDP_HEADER_LENGTH,
  ZERO_MAC,
} from './constants';
import { isIpv6Address } from './address';
import { writeEthernetHeader } from './ethernet';
import { writeIcmp } from './icmp';
import { writeU16, writeU32 } from './bytes';
import { ipv6MulticastMac, neighborSolicitationPayload, solicitedNodeAddress, writeIcmpv6, type Icmpv6Fields } from './icmpv6';
import { ipv4HeaderLength, writeIPv4Header, type IPv4Fields } from './ipv4';
import { FRAGMENT_HEADER_LENGTH, writeIPv6Header } from './ipv6';
import { tcpSegmentLength, writeTcpSegment, type TcpFields } from './tcp';
import { writeUdpDatagram } from './udp';

/**
 * IP-level choices shared by every builder; defaults: ttl 64, id 0, tos 0, no flags. IPv6 addresses build
 * an IPv6 packet (no extension headers): ttl is then its hop limit and tos its traffic class.
 */
export interface IpOptions {
  srcIp: string;
  dstIp: string;
  ttl?: number;
  /** IPv4 only */
  id?: number;
  tos?: number;
  /** IPv4 flag bits (IP_FLAG_DF = 2) */
  ipFlags?: number;
  /** IPv6 only */
  flowLabel?: number;
  /**
   * IPv6 only: an atomic fragment header (offset 0, no more fragments, RFC 6946) with this 32-bit
   * identification, as a stack puts on every packet to a peer that reported an MTU below 1280
   */
  fragmentId?: number;
}

export interface LinkAddresses {
  srcMac: string;
  dstMac: string;
}

export type TcpPacketOptions = IpOptions & TcpFields;
export type TcpFrameOptions = TcpPacketOptions & LinkAddresses;

export interface UdpPacketOptions extends IpOptions {
  srcPort: number;
  dstPort: number;
  payload?: Uint8Array;
}
export type UdpFrameOptions = UdpPacketOptions & LinkAddresses;

export interface IcmpEchoPacketOptions extends IpOptions {
  /** echo identifier and sequence number */
  echoId: number;
  echoSeq: number;
  payload?: Uint8Array;
}
export type IcmpEchoFrameOptions = IcmpEchoPacketOptions & LinkAddresses;

export type Icmpv6EchoPacketOptions = Omit<IcmpEchoPacketOptions, 'id' | 'ipFlags'>;
export type Icmpv6EchoFrameOptions = Icmpv6EchoPacketOptions & LinkAddresses;

export interface ArpRequestOptions {
  srcMac: string;
  srcIp: string;
  targetIp: string;
}

function ipFields(o: IpOptions, protocol: number): IPv4Fields {
  return { src: o.srcIp, dst: o.dstIp, protocol, ttl: o.ttl, id: o.id, tos: o.tos, flags: o.ipFlags };
}

/**
 * One allocation per packet: the IP header (IPv4 or IPv6, by the addresses) is written around an L4
 * writer's output. `linkOffset` is 14 when an Ethernet header goes in front, 0 for a bare IP packet.
 */
function buildIp(
  o: IpOptions,
  protocol: number,
  l4Length: number,
  link: LinkAddresses | undefined,
  writeL4: (buf: Uint8Array, offset: number) => void,
): Uint8Array {
  const linkOffset = link ? ETHERNET_HEADER_LENGTH : 0;
  const v6 = isIpv6Address(o.srcIp);
  const fields = v6 ? undefined : ipFields(o, protocol);
  const fragment = v6 && o.fragmentId !== undefined ? FRAGMENT_HEADER_LENGTH : 0;
  const headerLength = fields ? ipv4HeaderLength(fields) : IPV6_HEADER_LENGTH + fragment;
  const out = new Uint8Array(linkOffset + headerLength + l4Length);
  if (link) writeEthernetHeader(out, 0, link.dstMac, link.srcMac, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
  if (fields) writeIPv4Header(out, linkOffset, fields, l4Length);
  else {
    const nextHeader = fragment ? IPPROTO_FRAGMENT : protocol;
    writeIPv6Header(
      out,
      linkOffset,
      { src: o.srcIp, dst: o.dstIp, nextHeader, hopLimit: o.ttl, trafficClass: o.tos, flowLabel: o.flowLabel },
      fragment + l4Length,
    );
    if (fragment) writeAtomicFragmentHeader(out, linkOffset + IPV6_HEADER_LENGTH, protocol, o.fragmentId!);
  }
  writeL4(out, linkOffset + headerLength);
  return out;
}

/** Next header, a reserved byte, offset 0 with M clear, then the identification. */
function writeAtomicFragmentHeader(buf: Uint8Array, offset: number, protocol: number, id: number): void {
  buf[offset] = protocol;
  buf[offset + 1] = 0;
  writeU16(buf, offset + 2, 0);
  writeU32(buf, offset + 4, id >>> 0);
}

export function buildTcpPacket(o: TcpPacketOptions): Uint8Array {
  return buildIp(o, IPPROTO_TCP, tcpSegmentLength(o), undefined, (buf, at) => writeTcpSegment(buf, at, o, o.srcIp, o.dstIp));
}

export function buildTcpFrame(o: TcpFrameOptions): Uint8Array {
  return buildIp(o, IPPROTO_TCP, tcpSegmentLength(o), o, (buf, at) => writeTcpSegment(buf, at, o, o.srcIp, o.dstIp));
}

export function buildUdpPacket(o: UdpPacketOptions): Uint8Array {
  return buildIp(o, IPPROTO_UDP, UDP_HEADER_LENGTH + (o.payload?.length ?? 0), undefined, (buf, at) => writeUdpDatagram(buf, at, o, o.srcIp, o.dstIp));
}

export function buildUdpFrame(o: UdpFrameOptions): Uint8Array {
  return buildIp(o, IPPROTO_UDP, UDP_HEADER_LENGTH + (o.payload?.length ?? 0), o, (buf, at) => writeUdpDatagram(buf, at, o, o.srcIp, o.dstIp));
}

function echoFields(o: IcmpEchoPacketOptions) {
  return { type: ICMP_ECHO_REQUEST, code: 0, rest: (((o.echoId & 0xffff) << 16) | (o.echoSeq & 0xffff)) >>> 0, payload: o.payload };
}

export function buildIcmpEchoPacket(o: IcmpEchoPacketOptions): Uint8Array {
  return buildIp(o, IPPROTO_ICMP, ICMP_HEADER_LENGTH + (o.payload?.length ?? 0), undefined, (buf, at) => writeIcmp(buf, at, echoFields(o)));
}

export function buildIcmpEchoFrame(o: IcmpEchoFrameOptions): Uint8Array {
  return buildIp(o, IPPROTO_ICMP, ICMP_HEADER_LENGTH + (o.payload?.length ?? 0), o, (buf, at) => writeIcmp(buf, at, echoFields(o)));
}

function icmpv6Echo(o: Icmpv6EchoPacketOptions) {
  return { type: ICMPV6_ECHO_REQUEST, code: 0, rest: (((o.echoId & 0xffff) << 16) | (o.echoSeq & 0xffff)) >>> 0, payload: o.payload };
}

export function buildIcmpv6EchoPacket(o: Icmpv6EchoPacketOptions): Uint8Array {
  return buildIp(o, IPPROTO_ICMPV6, ICMP_HEADER_LENGTH + (o.payload?.length ?? 0), undefined, (buf, at) =>
    writeIcmpv6(buf, at, icmpv6Echo(o), o.srcIp, o.dstIp),
  );
}

export function buildIcmpv6EchoFrame(o: Icmpv6EchoFrameOptions): Uint8Array {
  return buildIp(o, IPPROTO_ICMPV6, ICMP_HEADER_LENGTH + (o.payload?.length ?? 0), o, (buf, at) => writeIcmpv6(buf, at, icmpv6Echo(o), o.srcIp, o.dstIp));
}

/** Any ICMPv6 message (an error such as Packet Too Big included): its rest word and payload as given. */
export function buildIcmpv6Packet(o: IpOptions & Icmpv6Fields): Uint8Array {
  return buildIp(o, IPPROTO_ICMPV6, ICMP_HEADER_LENGTH + (o.payload?.length ?? 0), undefined, (buf, at) => writeIcmpv6(buf, at, o, o.srcIp, o.dstIp));
}

/**
 * "Who has targetIp? tell srcIp (at srcMac)" (RFC 4861 section 7.2.2): to targetIp's solicited-node
 * multicast group and its Ethernet address, hop limit 255 (a receiver drops any other: the message cannot
 * have crossed a router), with srcMac as the source link-layer option so that the answer can come straight back.
 */
export function buildNeighborSolicitation(o: ArpRequestOptions): Uint8Array {
  const group = solicitedNodeAddress(o.targetIp);
  const fields = { type: ICMPV6_NEIGHBOR_SOLICITATION, code: 0, payload: neighborSolicitationPayload(o.targetIp, o.srcMac) };
  const link = { srcMac: o.srcMac, dstMac: ipv6MulticastMac(group) };
  const length = ICMP_HEADER_LENGTH + fields.payload.length;
  return buildIp({ srcIp: o.srcIp, dstIp: group, ttl: 255 }, IPPROTO_ICMPV6, length, link, (buf, at) => writeIcmpv6(buf, at, fields, o.srcIp, group));
}

/** Broadcast "who has targetIp? tell srcIp". */
export function buildArpRequest(o: ArpRequestOptions): Uint8Array {
  const out = new Uint8Array(ETHERNET_HEADER_LENGTH + ARP_IPV4_LENGTH);
  writeEthernetHeader(out, 0, BROADCAST_MAC, o.srcMac, ETHERTYPE_ARP);
  writeArp(out, ETHERNET_HEADER_LENGTH, { op: ARP_OP_REQUEST, senderMac: o.srcMac, senderIp: o.srcIp, targetMac: ZERO_MAC, targetIp: o.targetIp });
  return out;
}
