import { ICMP_CODE_PORT_UNREACH, ICMP_DEST_UNREACH, ICMPV6_CODE_PORT_UNREACH, ICMPV6_DEST_UNREACH, TCP_ACK, TCP_RST, TCP_SYN } from '../wire';
import type { GroupedExchange, PlacedPacket } from './exchange-grouping';

/** The kernel answers in the receive path, microseconds after the packet; a program takes milliseconds. */
const KERNEL_REACTION_MICROS = 10_000;

/**
 * The packets the scanner's kernel sent rather than the scanning program. A raw-socket probe leaves no
 * socket on the scanner's source port, so Linux answers what comes back to it: a SYN/ACK with a bare RST
 * (tcp_v4_send_reset: window 0, and no ACK flag because the SYN/ACK carried one) right after it — a
 * Scapy program's own RST has window 8192 and comes some 25 ms later, nmap's window 1024 — and a UDP
 * answer with ICMP port-unreachable (ICMPv6 1/4 over IPv6). When the SYN came from a socket (connect()), every packet is that
 * socket's, so none is singled out.
 */
export function kernelPackets(exchange: GroupedExchange, socketBuilt: boolean): Set<PlacedPacket> {
  const kernel = new Set<PlacedPacket>();
  if (socketBuilt) return kernel;
  exchange.packets.forEach((p, i) => {
    if (p.dir !== 'out') return;
    const { tcp, icmp, icmp6 } = p.packet.decoded ?? {};
    if (tcp) {
      const previous = exchange.packets[i - 1];
      const answered = previous?.dir === 'in' ? previous.packet.decoded?.tcp : undefined;
      const afterSynAck = answered !== undefined && (answered.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
      if (afterSynAck && tcp.flags === TCP_RST && tcp.window === 0 && p.packet.tMicros - previous!.packet.tMicros <= KERNEL_REACTION_MICROS) kernel.add(p);
    } else if (
      (icmp?.type === ICMP_DEST_UNREACH && icmp.code === ICMP_CODE_PORT_UNREACH) ||
      (icmp6?.type === ICMPV6_DEST_UNREACH && icmp6.code === ICMPV6_CODE_PORT_UNREACH)
    ) {
      kernel.add(p);
    }
  });
  return kernel;
}
