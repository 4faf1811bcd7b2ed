import { randomInt } from 'node:crypto';
import { ARP_OP_REPLY, buildArpRequest, buildIcmpEchoFrame, buildTcpFrame, ICMP_ECHO_REPLY, icmpEchoId, TCP_ACK, TCP_RST, TCP_SYN } from '../wire';
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

/**
 * `nmap -sn`'s probes for addresses behind a gateway: ICMP echo, TCP SYN to 443 and TCP ACK to 80; any
 * answer from the address (echo reply, SYN/ACK or RST) means it is up. The echo id and the TCP source
 * port are the sweep's own, so that only answers to these probes count.
 */
export function routedProbes(route: Route): HostProbes {
  const echoId = randomInt(1, 0xffff);
  const srcPort = randomInt(40000, 60000);
  const ends = (dstIp: string, dstMac: string) => ({ srcMac: route.srcMac, dstMac, srcIp: route.srcIp, dstIp });
  return {
    frames: [
      (dstIp, seq, dstMac) => buildIcmpEchoFrame({ ...ends(dstIp, dstMac), echoId, echoSeq: seq }),
      (dstIp, _seq, dstMac) => buildTcpFrame({ ...ends(dstIp, dstMac), srcPort, dstPort: 443, seq: randomInt(0, 0xffffffff), flags: TCP_SYN, window: 1024 }),
      (dstIp, _seq, dstMac) =>
        buildTcpFrame({ ...ends(dstIp, dstMac), srcPort, dstPort: 80, seq: 0, ack: randomInt(0, 0xffffffff), flags: TCP_ACK, window: 1024 }),
    ],
    answerFilter: `(icmp or tcp) and dst host ${route.srcIp}`,
    answerOf({ ip, icmp, tcp }) {
      if (!ip) return undefined;
      let method: HostAnswer['method'] | undefined;
      if (icmp && icmp.type === ICMP_ECHO_REPLY && icmpEchoId(icmp) === echoId) method = 'icmp-echo';
      else if (tcp && tcp.dstPort === srcPort && tcp.srcPort === 443 && tcp.flags & (TCP_SYN | TCP_RST)) method = 'tcp-syn-443';
      else if (tcp && tcp.dstPort === srcPort && tcp.srcPort === 80 && tcp.flags & TCP_RST) method = 'tcp-ack-80';
      return method && { address: ip.src, method };
    },
  };
}
