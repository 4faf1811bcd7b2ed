import { decodeArp, type ArpPacket } from './arp';
import { foldChecksum, internetChecksum, sumWords } from './checksum';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE_ARP, ETHERTYPE_IPV4, IP_FLAG_MF, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from './constants';
import { decodeEthernet, type EthernetHeader } from './ethernet';
import { decodeIcmp, type IcmpMessage } from './icmp';
import { decodeIPv4Header, type IPv4Header } from './ipv4';
import { type LinuxCookedHeader } from './linux-cooked';
import { decodeTcp, type TcpHeader } from './tcp';
import { decodeUdp, type UdpHeader } from './udp';

/**
 * Every layer of a frame that was well formed. Checksums are reported, not enforced: packets a host
 * sends itself are captured before the NIC fills in offloaded checksums, so they look wrong.
 */
export interface DecodedFrame {
  eth?: EthernetHeader;
  arp?: ArpPacket;
  ip?: IPv4Header;
  tcp?: TcpHeader;
  udp?: UdpHeader;
  icmp?: IcmpMessage;
  /** set when ip is */
  ipChecksumOk?: boolean;
  /** set when tcp, udp or icmp is and the packet is not a fragment (a UDP checksum of 0 means none: ok) */
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
 * Adds to frame the layer an EtherType announces at offset: ARP or IPv4, when well formed; any other
 * EtherType adds nothing. What every link layer decodeLinkFrame knows hands on to. Never throws.
 */
export function decodeEtherTypePayload(frame: DecodedFrame, bytes: Uint8Array, offset: number, etherType: number): DecodedFrame {
  if (etherType === ETHERTYPE_ARP) {
    const arp = decodeArp(bytes, offset, bytes.length);
    if (arp) frame.arp = arp;
  } else if (etherType === ETHERTYPE_IPV4) {
    decodeIPv4Into(frame, bytes, offset);
  }
  return frame;
}

/** A bare IPv4 packet (raw sockets, LINKTYPE_RAW); undefined when the IP header is not valid. Never throws. */
export function decodeIPv4Packet(bytes: Uint8Array): DecodedFrame | undefined {
  const frame: DecodedFrame = {};
  return decodeIPv4Into(frame, bytes, 0) ? frame : undefined;
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
