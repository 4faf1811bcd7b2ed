/**
 * Probe payloads for UDP services that ignore an empty datagram: an open port only shows itself
 * when the service answers, so each is a minimal valid request of that protocol (as in nmap's
 * nmap-payloads). Every other port gets an empty datagram.
 */

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/** DNS: standard query, recursion desired, for the root's NS records. */
const DNS_QUERY = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01];

/** NTP v4 client request (LI 3 = unsynchronised, VN 4, mode 3), 48 bytes. */
const NTP_REQUEST = [0xe3, ...new Array<number>(47).fill(0)];

/** NetBIOS name service: node status (NBSTAT) query for the wildcard name "*". */
// prettier-ignore
const NETBIOS_NBSTAT = [
  0x80, 0xf0, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x20, ...ascii('CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), 0x00,
  0x00, 0x21, 0x00, 0x01,
];

/** SNMPv1 get-request, community "public", for sysDescr.0 (1.3.6.1.2.1.1.1.0). */
// prettier-ignore
const SNMP_GET = [
  0x30, 0x29, // message
  0x02, 0x01, 0x00, // version 1
  0x04, 0x06, ...ascii('public'),
  0xa0, 0x1c, // GetRequest-PDU
  0x02, 0x04, 0x00, 0x00, 0x00, 0x01, // request-id
  0x02, 0x01, 0x00, // error-status
  0x02, 0x01, 0x00, // error-index
  0x30, 0x0e, 0x30, 0x0c, // varbind list, varbind
  0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, // OID
  0x05, 0x00, // NULL value
];

/** SSDP discovery request, as UPnP control points send it. */
const SSDP_MSEARCH = ascii('M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n');

/** mDNS: query for the DNS-SD service list (_services._dns-sd._udp.local PTR), unicast response. */
// prettier-ignore
const MDNS_QUERY = [
  0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x09, ...ascii('_services'), 0x07, ...ascii('_dns-sd'), 0x04, ...ascii('_udp'), 0x05, ...ascii('local'), 0x00,
  0x00, 0x0c, 0x80, 0x01,
];

const UDP_PAYLOADS: ReadonlyMap<number, Uint8Array> = new Map(
  [
    [53, DNS_QUERY],
    [123, NTP_REQUEST],
    [137, NETBIOS_NBSTAT],
    [161, SNMP_GET],
    [1900, SSDP_MSEARCH],
    [5353, MDNS_QUERY],
  ].map(([port, bytes]) => [port as number, Uint8Array.from(bytes as number[])]),
);

const EMPTY = new Uint8Array(0);

export function udpPayloadFor(port: number): Uint8Array {
  return UDP_PAYLOADS.get(port) ?? EMPTY;
}
