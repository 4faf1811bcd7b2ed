import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  type DecodedFrame,
  type IPv4Header,
  type IPv6Header,
} from '../wire';
import type { Answer, RawTechnique } from '../technique';

/** Source ports per scan: one per try, so an answer tells which transmission it answers. */
export const SOURCE_PORT_SPAN = 16;

/** The addresses both IP versions' headers have, by the same names. */
type Addresses = Pick<IPv4Header | IPv6Header, 'src' | 'dst'>;

/** What a captured packet is to the scan of one target. */
export type Match =
  /** one of our own probes, seen again (on `lo` the capture sees what we send) */
  | { kind: 'own'; index: number }
  /** sent by this host's kernel for a port we scan (the RST after a SYN/ACK, an ICMP for a reply) */
  | { kind: 'kernel'; index: number }
  /** an answer to the try `attempt` of the probe for ports[index] */
  | { kind: 'answer'; index: number; attempt: number; answer: Answer };

/**
 * The probe numbering of one technique against one target, and the matching of captured packets to
 * it. A TCP answer must come from the target to our source port and, when it carries an ACK,
 * acknowledge exactly the sequence number we sent; an ICMP error must quote our probe (addresses,
 * ports, and for TCP the sequence number). Anything else is foreign and is ignored.
 */
export class ProbeMatcher {
  private readonly indexOfPort = new Int32Array(65536).fill(-1);
  private readonly protocol: number;
  /** the TCP flags of every probe: an outgoing segment with other flags is the kernel's (ACK-flagged probes included) */
  private readonly probeFlags: number | undefined;
  /** the probes' source addresses: the interface's own, or those of --source-ips */
  readonly sources: readonly string[];

  constructor(
    readonly technique: RawTechnique,
    readonly ports: readonly number[],
    ourIps: string | readonly string[],
    readonly target: string,
    /** random per scan: initial sequence number and first source port */
    readonly isn: number,
    readonly sourcePortBase: number,
  ) {
    ports.forEach((p, i) => (this.indexOfPort[p] = i));
    this.sources = typeof ourIps === 'string' ? [ourIps] : ourIps;
    this.protocol = technique.protocol === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
    this.probeFlags = technique.protocol === 'tcp' ? technique.probe.flags : undefined;
  }

  /**
   * The source address of try `attempt` of ports[index]: consecutive ports and consecutive tries of
   * one port rotate over the sources, so each source's ICMP budget at the target confirms its share.
   */
  sourceIndex(index: number, attempt: number): number {
    const n = this.sources.length;
    return n === 1 ? 0 : (index + Math.min(attempt, SOURCE_PORT_SPAN - 1)) % n;
  }

  source(index: number, attempt: number): string {
    return this.sources[this.sourceIndex(index, attempt)]!;
  }

  sourcePort(attempt: number): number {
    return this.sourcePortBase + Math.min(attempt, SOURCE_PORT_SPAN - 1);
  }

  /** A different, unguessable-enough sequence number for every port and try. */
  seq(index: number, attempt: number): number {
    return (this.isn + Math.imul(this.ports[index]!, 0x9e3779b1) + Math.imul(Math.min(attempt, SOURCE_PORT_SPAN - 1), 0x01000193)) >>> 0;
  }

  private attemptOf(port: number | undefined): number {
    if (port === undefined) return -1;
    const k = port - this.sourcePortBase;
    return k >= 0 && k < SOURCE_PORT_SPAN ? k : -1;
  }

  private index(port: number | undefined): number {
    return port === undefined ? -1 : this.indexOfPort[port]!;
  }

  /** A captured IPv4 or IPv6 packet; the target's and our addresses are in the decoder's text form (RFC 5952 for IPv6). */
  match(d: DecodedFrame): Match | undefined {
    const ip = d.ip ?? d.ip6;
    if (!ip) return undefined;
    if (ip.protocol === this.protocol) return this.matchTransport(d, ip);
    if (ip.protocol === IPPROTO_ICMP || ip.protocol === IPPROTO_ICMPV6) return this.matchIcmp(d, ip);
    return undefined;
  }

  private matchTransport(d: DecodedFrame, ip: Addresses): Match | undefined {
    const l4 = d.tcp ?? d.udp;
    if (!l4) return undefined;
    // Outgoing first: on `lo` source and target are the same address.
    if (ip.dst === this.target) {
      const attempt = this.attemptOf(l4.srcPort);
      const index = this.index(l4.dstPort);
      if (attempt >= 0 && index >= 0 && ip.src === this.source(index, attempt)) {
        const own = !d.tcp || (d.tcp.seq === this.seq(index, attempt) && d.tcp.flags === this.probeFlags);
        return own ? { kind: 'own', index } : { kind: 'kernel', index };
      }
    }
    if (ip.src !== this.target) return undefined;
    const attempt = this.attemptOf(l4.dstPort);
    const index = this.index(l4.srcPort);
    // An answer goes back to the address and port that try came from; anything else is foreign.
    if (attempt < 0 || index < 0 || ip.dst !== this.source(index, attempt)) return undefined;
    if (!d.tcp) return { kind: 'answer', index, attempt, answer: { kind: 'udp' } };
    const { flags, ack, window } = d.tcp;
    if (flags & TCP_ACK) {
      if (ack !== this.technique.expectedAck(this.seq(index, attempt))) return undefined;
    } else if (!(flags & (TCP_RST | TCP_SYN))) {
      // Without ACK only a reset or a bare SYN (simultaneous open) can be an answer.
      return undefined;
    }
    return { kind: 'answer', index, attempt, answer: { kind: 'tcp', flags, window } };
  }

  private matchIcmp(d: DecodedFrame, ip: Addresses): Match | undefined {
    const icmp = d.icmp ?? d.icmp6;
    const q = icmp?.quoted;
    if (!icmp || !q || q.protocol !== this.protocol) return undefined;
    if (q.ip.dst === this.target && ip.dst === q.ip.src) {
      const attempt = this.attemptOf(q.srcPort);
      const index = this.index(q.dstPort);
      if (attempt >= 0 && index >= 0 && q.ip.src === this.source(index, attempt)) {
        if (this.protocol === IPPROTO_TCP && q.seq !== undefined && q.seq !== this.seq(index, attempt)) return undefined;
        const ipVersion = d.icmp6 ? 6 : 4;
        return { kind: 'answer', index, attempt, answer: { kind: 'icmp', ipVersion, type: icmp.type, code: icmp.code, fromTarget: ip.src === this.target } };
      }
    }
    // Our kernel's error about the target's reply (e.g. port-unreachable for a UDP answer to our raw source port).
    if (q.ip.src === this.target && ip.src === q.ip.dst) {
      const index = this.index(q.srcPort);
      const attempt = this.attemptOf(q.dstPort);
      if (index >= 0 && attempt >= 0 && ip.src === this.source(index, attempt)) return { kind: 'kernel', index };
    }
    return undefined;
  }
}

/** A source-port base whose span avoids the scanned ports where the port list leaves room. */
export function pickSourcePortBase(ports: readonly number[], random: () => number = Math.random): number {
  const scanned = new Set(ports);
  let base = 40000;
  for (let tries = 0; tries < 64; tries++) {
    base = 33000 + Math.floor(random() * (60999 - 33000 - SOURCE_PORT_SPAN));
    let clash = false;
    for (let p = base; p < base + SOURCE_PORT_SPAN && !clash; p++) clash = scanned.has(p);
    if (!clash) return base;
  }
  return base;
}
