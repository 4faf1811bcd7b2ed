import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP, TCPOPT_WINDOW_SCALE } from '../wire';
import type { AnalyzedTechnique, Technique } from '../protocol';
import { TECHNIQUE_TABLE } from '../technique';
import type { GroupedExchange, PlacedPacket } from './exchange-grouping';

/**
 * The TCP techniques whose probe its flags alone name; connect's SYN is told from SYN's by what follows
 * it. The Window scan sends the ACK scan's very probe: only the capture's maker can say which it was.
 */
const RAW_TCP_TECHNIQUES = ['syn', 'xmas', 'fin', 'null', 'ack', 'maimon'] as const;

/** Options only an operating system's TCP puts on a SYN (Linux: MSS, SACK permitted, timestamps, window scale); raw scanners send MSS at most. */
const SOCKET_SYN_OPTIONS = new Set([TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP, TCPOPT_WINDOW_SCALE]);

export interface Recognition {
  technique: AnalyzedTechnique;
  /** the probe's flags are no technique's probe; `technique` is the closest one */
  oddFlags: boolean;
  /** a connect scan whose handshake the scanner did not complete: the target's SYN/ACK and the scanner's answer to it, if any */
  unfinishedHandshake?: { synAck: PlacedPacket; reply?: PlacedPacket };
}

/** The technique whose probe has exactly these flags, by the technique table. */
function techniqueOfFlags(flags: number): Technique | undefined {
  return RAW_TCP_TECHNIQUES.find((t) => {
    const entry = TECHNIQUE_TABLE[t];
    return entry.protocol === 'tcp' && entry.probe.flags === flags;
  });
}

/**
 * The closest technique to an odd probe: a SYN opens a handshake whatever else is set; an ACK draws a
 * RST from open and closed ports alike (RFC 793), as the ACK probe does, or the Maimon probe when FIN
 * is set too; without SYN, RST or ACK a segment is answered like the FIN, NULL and Xmas probes, so the
 * flags it has of theirs pick one; a probe with RST gets no answer at all and is like none.
 */
function closestTechnique(flags: number): Technique | 'unknown' {
  if (flags & TCP_RST) return 'unknown';
  if (flags & TCP_SYN) return 'syn';
  if (flags & TCP_ACK) return flags & TCP_FIN ? 'maimon' : 'ack';
  const xmas = TCP_FIN | TCP_PSH | TCP_URG;
  if ((flags & xmas) === xmas) return 'xmas';
  return flags & TCP_FIN ? 'fin' : 'null';
}

/**
 * Which technique an exchange is, from its probe and, for a SYN, from how the scanner went on: a
 * completed handshake (the scanner's ACK), or a SYN built by a socket, is a connect scan; a reset or
 * nothing after the SYN/ACK a SYN scan. A program that answers the SYN/ACK with RST/ACK meant to
 * acknowledge it: a connect attempt whose handshake was never completed. `kernel` are the packets the
 * scanner's kernel sent (see kernelPackets), which say nothing of the program's intent; `socketSyn`:
 * the probe is a SYN a socket built (isSocketSyn).
 */
export function recogniseTechnique(exchange: GroupedExchange, kernel: ReadonlySet<PlacedPacket>, socketSyn: boolean): Recognition {
  if (exchange.protocol === 'udp' || exchange.probeFlags === undefined) return { technique: 'udp', oddFlags: false };
  const flags = exchange.probeFlags;
  const exact = techniqueOfFlags(flags);
  const technique = exact ?? closestTechnique(flags);
  if (technique !== 'syn') return { technique, oddFlags: exact === undefined };

  const synAckAt = exchange.packets.findIndex((p) => p.dir === 'in' && hasFlags(p, TCP_SYN | TCP_ACK));
  const synAck = exchange.packets[synAckAt];
  const replies = synAck ? exchange.packets.slice(synAckAt + 1).filter((p) => p.dir === 'out' && !p.probe && !kernel.has(p) && p.packet.decoded?.tcp) : [];
  const completed = replies.some((p) => hasFlags(p, TCP_ACK) && !hasFlags(p, TCP_RST));
  const reset = replies.find((p) => hasFlags(p, TCP_RST));
  const connect = socketSyn || completed || (reset !== undefined && hasFlags(reset, TCP_ACK));
  const unfinishedHandshake = connect && synAck && !completed ? { synAck, ...(reset ? { reply: reset } : {}) } : undefined;
  return { technique: connect ? 'connect' : 'syn', oddFlags: exact === undefined, ...(unfinishedHandshake ? { unfinishedHandshake } : {}) };
}

function hasFlags(p: PlacedPacket, flags: number): boolean {
  const tcp = p.packet.decoded?.tcp;
  return tcp !== undefined && (tcp.flags & flags) === flags;
}

/** The exchange's first probe is a SYN a socket's kernel built (connect()). */
export function isSocketSyn(exchange: GroupedExchange): boolean {
  const first = exchange.packets.find((p) => p.probe)?.packet.decoded?.tcp;
  return first !== undefined && (first.flags & TCP_SYN) !== 0 && first.options.some((o) => SOCKET_SYN_OPTIONS.has(o.kind));
}
