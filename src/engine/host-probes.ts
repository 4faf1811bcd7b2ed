import { randomInt } from 'node:crypto';
import {
  ARP_OP_REPLY,
  buildArpRequest,
  buildIcmpEchoFrame,
  buildIcmpv6EchoFrame,
  buildNeighborSolicitation,
  buildTcpFrame,
  ICMP_ECHO_REPLY,
  icmpEchoId,
  ICMPV6_ECHO_REPLY,
  ICMPV6_NEIGHBOR_ADVERTISEMENT,
  isIpv6Address,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
} from '../wire';
import type { HostAnswer, HostProbes, Route } from '../link';

/**
 * `nmap -sn`'s probes for addresses on the local link: an ARP "who has" each; a host is up when it
 * answers for its address, and the answer gives its MAC.
 */
export function arpProbes(route: Route): HostProbes {
  return {
    frames: [(dstIp) => buildArpRequest({ srcMac: route.srcMac, srcIp: route.srcIp, targetIp: dstIp })],
    answerFilter: 'arp',
    answerOf: ({ arp }) =>
      arp && arp.op === ARP_OP_REPLY && arp.targetIp === route.srcIp ? { address: arp.senderIp, mac: arp.senderMac, method: 'arp' } : undefined,
  };
}

/** RFC 4861 section 7.1.2: an advertisement with any other hop limit crossed a router, and does not count */
const NDP_HOP_LIMIT = 255;

/**
 * `nmap -6 -sn`'s probe for IPv6 addresses on the local link, the IPv6 ARP: a neighbour solicitation to
 * each address's solicited-node multicast group; a host is up when it advertises that address, and the
 * advertisement gives its MAC.
 */
export function ndProbes(route: Route): HostProbes {
  return {
    frames: [(dstIp) => buildNeighborSolicitation({ srcMac: route.srcMac, srcIp: route.srcIp, targetIp: dstIp })],
    // the ICMPv6 type, where an advertisement (which carries no extension header) has it
    answerFilter: `icmp6 and ip6[40] == ${ICMPV6_NEIGHBOR_ADVERTISEMENT} and dst host ${route.srcIp}`,
    answerOf({ eth, ip6, icmp6 }) {
      const advertised = icmp6?.type === ICMPV6_NEIGHBOR_ADVERTISEMENT ? icmp6.neighbor : undefined;
      if (!advertised || ip6?.hopLimit !== NDP_HOP_LIMIT) return undefined;
      const mac = advertised.targetMac ?? eth?.src;
      return { address: advertised.target, ...(mac !== undefined ? { mac } : {}), method: 'nd' };
    },
  };
}

/**
 * `nmap -sn`'s probes for addresses behind a gateway: ICMP (IPv6: ICMPv6) echo, TCP SYN to 443 and TCP
 * ACK to 80; any answer from the address (echo reply, SYN/ACK or RST) means it is up. The echo id and
 * the TCP source port are the sweep's own, so that only answers to these probes count.
 */
export function routedProbes(route: Route): HostProbes {
  const echoId = randomInt(1, 0xffff);
  const srcPort = randomInt(40000, 60000);
  const v6 = isIpv6Address(route.srcIp);
  const ends = (dstIp: string, dstMac: string) => ({ srcMac: route.srcMac, dstMac, srcIp: route.srcIp, dstIp });
  return {
    frames: [
      (dstIp, seq, dstMac) => (v6 ? buildIcmpv6EchoFrame : buildIcmpEchoFrame)({ ...ends(dstIp, dstMac), echoId, echoSeq: seq }),
      (dstIp, _seq, dstMac) => buildTcpFrame({ ...ends(dstIp, dstMac), srcPort, dstPort: 443, seq: randomInt(0, 0xffffffff), flags: TCP_SYN, window: 1024 }),
      (dstIp, _seq, dstMac) =>
        buildTcpFrame({ ...ends(dstIp, dstMac), srcPort, dstPort: 80, seq: 0, ack: randomInt(0, 0xffffffff), flags: TCP_ACK, window: 1024 }),
    ],
    answerFilter: `(${v6 ? 'icmp6' : 'icmp'} or tcp) and dst host ${route.srcIp}`,
    answerOf({ ip, ip6, icmp, icmp6, tcp }) {
      const src = (ip ?? ip6)?.src;
      if (src === undefined) return undefined;
      let method: HostAnswer['method'] | undefined;
      if (icmp && icmp.type === ICMP_ECHO_REPLY && icmpEchoId(icmp) === echoId) method = 'icmp-echo';
      else if (icmp6 && icmp6.type === ICMPV6_ECHO_REPLY && icmp6.rest >>> 16 === echoId) method = 'icmp-echo';
      else if (tcp && tcp.dstPort === srcPort && tcp.srcPort === 443 && tcp.flags & (TCP_SYN | TCP_RST)) method = 'tcp-syn-443';
      else if (tcp && tcp.dstPort === srcPort && tcp.srcPort === 80 && tcp.flags & TCP_RST) method = 'tcp-ack-80';
      return method && { address: src, method };
    },
  };
}
