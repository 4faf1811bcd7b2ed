import { IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_CWR, TCP_ECE, TCP_RST, TCP_SYN } from '../wire';
import type { Protocol } from '../protocol';
import type { CapturedPacket } from './captured-packets';

/** A packet placed in an exchange, seen from the scanner. */
export interface PlacedPacket {
  packet: CapturedPacket;
  dir: 'out' | 'in';
  /** one of the scanner's probes (first or repeated) */
  probe: boolean;
}

/** The packets of one scan exchange: one scanner, one target port, one kind of probe. */
export interface GroupedExchange {
  scanner: string;
  target: string;
  protocol: Protocol;
  port: number;
  /** the probe's TCP flags (ECN bits of a SYN left out); undefined for UDP */
  probeFlags: number | undefined;
  packets: PlacedPacket[];
}

export interface Grouping {
  exchanges: GroupedExchange[];
  /** packets that belong to no exchange */
  unattributed: number;
}

/**
 * How long after an unanswered probe a new probe of the same kind from another source port still
 * counts as a retry of it: nmap retries from the next source port, a connect() scanner with a new
 * socket, both within seconds.
 */
const RETRY_WINDOW_MICROS = 15_000_000;

interface Conversation {
  /** "address:port" of the side that sent the first probe */
  scanner: string;
  exchange: GroupedExchange;
}

/** A probe's TCP flags; a SYN may carry ECE and CWR to ask for ECN (RFC 3168), and is still a SYN. Undefined for UDP. */
function probeFlagsOf(packet: CapturedPacket): number | undefined {
  const flags = packet.decoded?.tcp?.flags;
  if (flags === undefined) return undefined;
  return flags & TCP_SYN ? flags & ~(TCP_ECE | TCP_CWR) : flags;
}

/**
 * What stays the same between a scanner's tries and differs between scanners: the flags, window and
 * option kinds of a TCP probe (nmap: window 1024 and MSS; Scapy: 8192, none; a socket: its kernel's).
 * A UDP scanner may vary the payload within one try, so UDP probes are all alike.
 */
function probeSignature(packet: CapturedPacket): string {
  const tcp = packet.decoded?.tcp;
  return tcp ? `${probeFlagsOf(packet)} ${tcp.window} ${tcp.options.map((o) => o.kind).join(',')}` : 'udp';
}

/**
 * A segment that asks rather than answers: it acknowledges nothing. Within a conversation a RST
 * without ACK ends it (the kernel's answer to a SYN/ACK); only a conversation's first segment can be a
 * RST probe, or an empty segment that acknowledges what was never sent (the ACK and Maimon probes:
 * ACK, FIN/ACK), which draws a RST from any port.
 */
function isProbeSegment(flags: number, opensConversation: boolean, empty: boolean): boolean {
  if (!opensConversation) return (flags & (TCP_ACK | TCP_RST)) === 0;
  return (flags & TCP_ACK) === 0 || (empty && (flags & (TCP_SYN | TCP_RST)) === 0);
}

/**
 * Puts every packet of a capture into the scan exchange it belongs to, whoever scanned: the scanner
 * is the side that sent the first probe (a TCP segment without ACK, or a UDP datagram) of a
 * conversation; endpoints are address and port, so both ends of a loopback capture stay apart. An
 * ICMP error joins the exchange of the datagram it quotes. A new probe of the same kind to the same
 * port joins the last exchange while that one is unanswered (a retry from another source port);
 * otherwise, and for another kind of probe, it opens a new exchange. IPv6 packets are grouped the
 * same way, an ICMPv6 error by the datagram it quotes.
 */
export function groupExchanges(packets: readonly CapturedPacket[]): Grouping {
  const exchanges: GroupedExchange[] = [];
  const conversations = new Map<string, Conversation>();
  const latest = new Map<string, GroupedExchange>();
  let unattributed = 0;

  const exchangeFor = (scanner: string, target: string, port: number, packet: CapturedPacket) => {
    const protocol: Protocol = packet.decoded?.tcp ? 'tcp' : 'udp';
    const probeFlags = probeFlagsOf(packet);
    const key = `${protocol} ${scanner} ${target}:${port} ${probeSignature(packet)}`;
    const last = latest.get(key);
    if (last && !last.packets.some((p) => p.dir === 'in') && packet.tMicros - lastProbeMicros(last) <= RETRY_WINDOW_MICROS) return last;
    const exchange: GroupedExchange = { scanner, target, protocol, port, probeFlags, packets: [] };
    exchanges.push(exchange);
    latest.set(key, exchange);
    return exchange;
  };

  for (const packet of packets) {
    const frame = packet.decoded;
    const ip = frame?.ip ?? frame?.ip6;
    const l4 = frame?.tcp ?? frame?.udp;
    if (frame && ip && l4) {
      const from = `${ip.src}:${l4.srcPort}`;
      const key = conversationKey(frame.tcp ? 'tcp' : 'udp', from, `${ip.dst}:${l4.dstPort}`);
      const conversation = conversations.get(key);
      const asks = frame.tcp ? isProbeSegment(frame.tcp.flags, !conversation, frame.tcp.payload.length === 0) : true;
      if (!conversation) {
        if (!asks) {
          unattributed++;
          continue;
        }
        const exchange = exchangeFor(ip.src, ip.dst, l4.dstPort, packet);
        conversations.set(key, { scanner: from, exchange });
        exchange.packets.push({ packet, dir: 'out', probe: true });
        continue;
      }
      const out = conversation.scanner === from;
      let probe = false;
      // A retry of an ACK-carrying probe from the same source port asks again too.
      if (out && (asks || (frame.tcp !== undefined && isRepeatedProbe(conversation.exchange, frame.tcp.flags, frame.tcp.payload.length === 0)))) {
        const current = conversation.exchange;
        const repeat = current.probeFlags === probeFlagsOf(packet) && packet.tMicros - lastProbeMicros(current) <= RETRY_WINDOW_MICROS;
        if (!repeat) conversation.exchange = exchangeFor(ip.src, ip.dst, l4.dstPort, packet);
        probe = true;
      }
      conversation.exchange.packets.push({ packet, dir: out ? 'out' : 'in', probe });
      continue;
    }
    const quoted = frame?.icmp?.quoted ?? frame?.icmp6?.quoted;
    if (quoted && quoted.srcPort !== undefined && quoted.dstPort !== undefined) {
      const protocol: Protocol | undefined = quoted.protocol === IPPROTO_TCP ? 'tcp' : quoted.protocol === IPPROTO_UDP ? 'udp' : undefined;
      const quotedFrom = `${quoted.ip.src}:${quoted.srcPort}`;
      const conversation = protocol && conversations.get(conversationKey(protocol, quotedFrom, `${quoted.ip.dst}:${quoted.dstPort}`));
      if (conversation) {
        // An error about the scanner's own datagram comes back to it; one about the target's answer is the scanner's.
        conversation.exchange.packets.push({ packet, dir: conversation.scanner === quotedFrom ? 'in' : 'out', probe: false });
        continue;
      }
    }
    unattributed++;
  }
  return { exchanges, unattributed };
}

/** The same empty segment as the exchange's probe, when that probe was an ACK-carrying one (the ACK and Maimon probes). */
function isRepeatedProbe(exchange: GroupedExchange, flags: number, empty: boolean): boolean {
  return empty && exchange.probeFlags === flags && (flags & TCP_ACK) !== 0 && (flags & (TCP_SYN | TCP_RST)) === 0;
}

function conversationKey(protocol: Protocol, a: string, b: string): string {
  return a < b ? `${protocol} ${a} ${b}` : `${protocol} ${b} ${a}`;
}

function lastProbeMicros(exchange: GroupedExchange): number {
  for (let i = exchange.packets.length - 1; i >= 0; i--) if (exchange.packets[i]!.probe) return exchange.packets[i]!.packet.tMicros;
  return -Infinity;
}
