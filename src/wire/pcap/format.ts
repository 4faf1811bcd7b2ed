/** Classic libpcap file format (tcpdump.org/manpages/pcap-savefile.5.html). */
export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
export const PCAPNG_MAGIC = 0x0a0d0d0a;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
export const PCAP_SNAPLEN = 65535;
export const PCAP_GLOBAL_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;
/** Wireshark refuses records above this (WTAP_MAX_PACKET_SIZE_STANDARD); so do we, to stop on garbage. */
export const PCAP_MAX_RECORD_LENGTH = 262144;
