import { LINKTYPE_ETHERNET, LINKTYPE_RAW } from './constants';

/** More pcap link-layer header types, by the numbers of the LINKTYPE_* registry (tcpdump's linktypes list). */
export const LINKTYPE_NULL = 0;
/** DLT_RAW as some writers store it in files instead of LINKTYPE_RAW: 12 on most systems, 14 on OpenBSD */
export const DLT_RAW = 12;
export const DLT_RAW_OPENBSD = 14;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

/** Names for the link types a student's capture is likely to have, for messages. */
const LINK_TYPE_NAMES = new Map<number, string>([
  [LINKTYPE_NULL, 'BSD loopback'],
  [LINKTYPE_ETHERNET, 'Ethernet'],
  [6, 'IEEE 802.5 Token Ring'],
  [9, 'PPP'],
  [10, 'FDDI'],
  [DLT_RAW, 'raw IP'],
  [DLT_RAW_OPENBSD, 'raw IP'],
  [50, 'PPP in HDLC-like framing'],
  [51, 'PPPoE'],
  [LINKTYPE_RAW, 'raw IP'],
  [104, 'Cisco HDLC'],
  [105, 'IEEE 802.11'],
  [LINKTYPE_LOOP, 'OpenBSD loopback'],
  [LINKTYPE_LINUX_SLL, 'Linux cooked capture v1'],
  [119, 'IEEE 802.11 with Prism header'],
  [127, 'IEEE 802.11 with radiotap header'],
  [187, 'Bluetooth HCI H4'],
  [189, 'Linux USB'],
  [192, 'IEEE 802.11 with PPI header'],
  [195, 'IEEE 802.15.4'],
  [220, 'Linux USB'],
  [LINKTYPE_IPV4, 'raw IPv4'],
  [LINKTYPE_IPV6, 'raw IPv6'],
  [249, 'USBPcap'],
  [253, 'Linux netlink'],
  [LINKTYPE_LINUX_SLL2, 'Linux cooked capture v2'],
]);

/** "105 (IEEE 802.11)", or just the number for a link type without a name here. */
export function describeLinkType(linkType: number): string {
  const name = LINK_TYPE_NAMES.get(linkType);
  return name === undefined ? String(linkType) : `${linkType} (${name})`;
}
