export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
/** IPv6 extension headers the decoder skips (RFC 8200 section 4), and "no next header" */
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;

/** pcap link-layer header types (tcpdump.org/linktypes.html) */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;

export const TCP_FIN = 1;
export const TCP_SYN = 2;
export const TCP_RST = 4;
export const TCP_PSH = 8;
export const TCP_ACK = 16;
export const TCP_URG = 32;
export const TCP_ECE = 64;
export const TCP_CWR = 128;

/** IPv4 flags field (3 bits, as in the header: reserved, DF, MF) */
export const IP_FLAG_DF = 2;
export const IP_FLAG_MF = 1;

export const ARP_OP_REQUEST = 1;
export const ARP_OP_REPLY = 2;

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETER_PROBLEM = 12;
/** destination-unreachable codes PortLab names (RFC 792, RFC 1812) */
export const ICMP_CODE_PORT_UNREACH = 3;
export const ICMP_CODE_FRAG_NEEDED = 4;
export const ICMP_CODE_ADMIN_PROHIBITED = 13;

/** ICMPv6 message types (RFC 4443, RFC 4861) */
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PACKET_TOO_BIG = 2;
export const ICMPV6_TIME_EXCEEDED = 3;
export const ICMPV6_PARAMETER_PROBLEM = 4;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMPV6_NEIGHBOR_SOLICITATION = 135;
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
/** ICMPv6 destination-unreachable codes (RFC 4443 section 3.1) */
export const ICMPV6_CODE_NO_ROUTE = 0;
export const ICMPV6_CODE_ADMIN_PROHIBITED = 1;
export const ICMPV6_CODE_BEYOND_SCOPE = 2;
export const ICMPV6_CODE_ADDRESS_UNREACH = 3;
export const ICMPV6_CODE_PORT_UNREACH = 4;
export const ICMPV6_CODE_POLICY_FAILED = 5;
export const ICMPV6_CODE_REJECT_ROUTE = 6;
/** ICMPv6 parameter-problem codes (RFC 4443 section 3.4) */
export const ICMPV6_CODE_ERRONEOUS_HEADER = 0;
export const ICMPV6_CODE_UNKNOWN_NEXT_HEADER = 1;

export const ETHERNET_HEADER_LENGTH = 14;
export const IPV4_MIN_HEADER_LENGTH = 20;
export const IPV6_HEADER_LENGTH = 40;
export const TCP_MIN_HEADER_LENGTH = 20;
export const UDP_HEADER_LENGTH = 8;
export const ICMP_HEADER_LENGTH = 8;
export const ARP_IPV4_LENGTH = 28;

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC = '00:00:00:00:00:00';
