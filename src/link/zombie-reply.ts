import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpHeader } from '../wire';

/** The reset a TCP stack sends for a segment that belongs to no connection. */
export interface ResetFields {
  flags: number;
  seq: number;
  ack: number;
}

/**
 * RFC 793's reset for a segment to a closed port (p. 36, "If the connection does not exist"): a segment
 * carrying an ACK is answered by a RST whose sequence number is that acknowledgement (the idle scan's
 * SYN/ACK probe draws one); any other by a RST/ACK acknowledging the segment, its SYN and FIN counted
 * (a spoofed SYN's answer). A RST is never answered, so two such stacks cannot reset each other forever.
 */
export function resetFor(segment: Pick<TcpHeader, 'flags' | 'seq' | 'ack' | 'payload'>): ResetFields | undefined {
  if (segment.flags & TCP_RST) return undefined;
  if (segment.flags & TCP_ACK) return { flags: TCP_RST, seq: segment.ack, ack: 0 };
  const length = segment.payload.length + (segment.flags & TCP_SYN ? 1 : 0) + (segment.flags & TCP_FIN ? 1 : 0);
  return { flags: TCP_RST | TCP_ACK, seq: 0, ack: (segment.seq + length) >>> 0 };
}

/**
 * Where a zombie's IP IDs come from: one counter for every packet it sends, whatever the destination (the
 * old stacks an idle scan needs), or a fresh random number each time (a stack an idle scan cannot use).
 */
export class IpIdSource {
  private next: number;

  constructor(
    private readonly kind: 'global-counter' | 'random',
    start: number,
    private readonly random: () => number,
  ) {
    this.next = start & 0xffff;
  }

  take(): number {
    if (this.kind === 'random') return this.random() & 0xffff;
    const id = this.next;
    this.next = (this.next + 1) & 0xffff;
    return id;
  }
}

/** The smallest MTU IPv6 allows (RFC 8200 section 5); a Packet Too Big below it asks for atomic fragments. */
export const IPV6_MIN_MTU = 1280;

/**
 * What an old IPv6 stack (before RFC 8021) did with a Packet Too Big: it cannot send smaller packets, so
 * once a peer reports an MTU below 1280 every packet to that peer carries a fragment header ("atomic
 * fragment", RFC 6946), whose identification comes from one 32-bit counter for every peer. That counter
 * is the IPv6 idle scan's side channel; packets to other peers carry no fragment header and spend no ID.
 */
export class AtomicFragments {
  private readonly peers = new Set<string>();
  private next: number;

  constructor(start: number) {
    this.next = start >>> 0;
  }

  /** A Packet Too Big with `mtu` about a packet we sent to `peer`. */
  tooBig(peer: string, mtu: number): void {
    if (mtu < IPV6_MIN_MTU) this.peers.add(peer);
  }

  /** The fragment ID of the next packet to `peer`, or undefined when it goes without a fragment header. */
  idFor(peer: string): number | undefined {
    if (!this.peers.has(peer)) return undefined;
    const id = this.next;
    this.next = (this.next + 1) >>> 0;
    return id;
  }
}
