/** Classic libpcap file format, as in the pcap-savefile(5) manual page. */
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

/**
 * pcapng, as in the IETF draft "PCAP Now Generic (pcapng) Capture File Format" (draft-ietf-opsawg-pcapng).
 * PCAPNG_MAGIC above is the Section Header Block's type; the same bytes read in either byte order.
 */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const PCAPNG_VERSION_MAJOR = 1;
/** block type, total length, trailing copy of the length (section 3.1) */
export const PCAPNG_MIN_BLOCK_LENGTH = 12;
/** byte-order magic, major, minor, 64-bit section length (section 4.1) */
export const PCAPNG_SECTION_HEADER_MIN_LENGTH = PCAPNG_MIN_BLOCK_LENGTH + 16;
export const PCAPNG_BLOCK_INTERFACE_DESCRIPTION = 1;
/** the obsolete Packet Block (appendix A), still in files written by old tools */
export const PCAPNG_BLOCK_PACKET = 2;
export const PCAPNG_BLOCK_SIMPLE_PACKET = 3;
export const PCAPNG_BLOCK_NAME_RESOLUTION = 4;
export const PCAPNG_BLOCK_INTERFACE_STATISTICS = 5;
export const PCAPNG_BLOCK_ENHANCED_PACKET = 6;
export const PCAPNG_BLOCK_DECRYPTION_SECRETS = 10;
export const PCAPNG_BLOCK_CUSTOM = 0x00000bad;
export const PCAPNG_BLOCK_CUSTOM_NO_COPY = 0x40000bad;
export const PCAPNG_OPTION_END = 0;
/** interface description options (section 4.2) */
export const PCAPNG_OPTION_IF_TSRESOL = 9;
export const PCAPNG_OPTION_IF_TSOFFSET = 14;
/** if_tsresol when the option is absent: 10^-6 s */
export const PCAPNG_DEFAULT_TSRESOL = 6;
