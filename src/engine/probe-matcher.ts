import { IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN, type DecodedFrame } from '../wire';
import type { Answer, RawTechnique } from '../technique';
import { AddressBook, fieldsOfDecoded, LAYER_ICMP, LAYER_TCP, LAYER_UDP, PacketFields } from './packet-fields';
import { portIndexes } from './ports';

/** Source ports per scan: one per try, so an answer tells which transmission it answers. */
export const SOURCE_PORT_SPAN = 16;

/** What matchFields found a packet to be (its port and try in ProbeMatcher.index and .attempt). */
export const MATCH_NONE = 0;
/** one of our own probes, seen again (on `lo` the capture sees what we send) */
export const MATCH_OWN = 1;
/** sent by this host's kernel for a port we scan (the RST after a SYN/ACK, an ICMP for a reply) */
export const MATCH_KERNEL = 2;
/** an answer to the try `attempt` of the probe for ports[index] */
export const MATCH_ANSWER = 3;

/** What a captured packet is to the scan of one target. */
export type Match = { kind: 'own'; index: number } | { kind: 'kernel'; index: number } | { kind: 'answer'; index: number; attempt: number; answer: Answer };

/**
 * The probe numbering of one technique against one target, and the matching of captured packets to
 * it. A TCP answer must come from the target to our source port and, when it carries an ACK,
 * acknowledge exactly the sequence number we sent; an ICMP error must quote our probe (addresses,
 * ports, and for TCP the sequence number). Anything else is foreign and is ignored.
 *
 * The sequence number and the source port are the probe's cookie: an answer names its port and try
 * by what it carries, so matching is arithmetic on a packet's fields (PacketFields), with no lookup
 * table of probes in flight and nothing allocated per packet.
 */
export class ProbeMatcher {
  private readonly indexOfPort: Int32Array;
  private readonly layer: number;
  private readonly protocol: number;
  /** the TCP flags of every probe: an outgoing segment with other flags is the kernel's (ACK-flagged probes included) */
  private readonly probeFlags: number | undefined;
  /** the probes' source addresses: the interface's own, or those of --source-ips */
  readonly sources: readonly string[];
  /** the target's and the sources' ids, for PacketFields */
  readonly addresses = new AddressBook();
  readonly targetId: number;
  private readonly sourceIds: Int32Array;
  /** the port (index into ports) and try of the last packet matchFields matched */
  index = -1;
  attempt = -1;
  private readonly scratch = new PacketFields();

  constructor(
    readonly technique: RawTechnique,
    readonly ports: readonly number[],
    ourIps: string | readonly string[],
    readonly target: string,
    /** random per scan: initial sequence number and first source port */
    readonly isn: number,
    readonly sourcePortBase: number,
  ) {
    this.indexOfPort = portIndexes(ports);
    this.sources = typeof ourIps === 'string' ? [ourIps] : ourIps;
    this.layer = technique.protocol === 'tcp' ? LAYER_TCP : LAYER_UDP;
    this.protocol = technique.protocol === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
    this.probeFlags = technique.protocol === 'tcp' ? technique.probe.flags : undefined;
    this.targetId = this.addresses.add(target);
    this.sourceIds = Int32Array.from(this.sources, (s) => this.addresses.add(s));
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

  private attemptOf(port: number): number {
    const k = port - this.sourcePortBase;
    return k >= 0 && k < SOURCE_PORT_SPAN ? k : -1;
  }

  private indexOf(port: number): number {
    return port >= 0 ? this.indexOfPort[port]! : -1;
  }

  private isSourceOf(id: number, index: number, attempt: number): boolean {
    return id === this.sourceIds[this.sourceIndex(index, attempt)];
  }

  /** A captured IPv4 or IPv6 packet; the target's and our addresses are in the decoder's text form (RFC 5952 for IPv6). */
  match(d: DecodedFrame): Match | undefined {
    const f = this.scratch;
    if (!fieldsOfDecoded(d, f, this.addresses)) return undefined;
    const kind = this.matchFields(f);
    if (kind === MATCH_OWN) return { kind: 'own', index: this.index };
    if (kind === MATCH_KERNEL) return { kind: 'kernel', index: this.index };
    if (kind === MATCH_ANSWER) return { kind: 'answer', index: this.index, attempt: this.attempt, answer: this.answerOf(f) };
    return undefined;
  }

  /** The answer a matched packet gives (allocated: the scan loop classifies through a cache instead). */
  answerOf(f: PacketFields): Answer {
    if (f.layer === LAYER_TCP) return { kind: 'tcp', flags: f.flags, window: f.window };
    if (f.layer === LAYER_UDP) return { kind: 'udp' };
    return { kind: 'icmp', ipVersion: f.ipVersion, type: f.icmpType, code: f.icmpCode, fromTarget: f.srcId === this.targetId };
  }

  /** What the packet of `f` is to this scan (MATCH_*); for a match, its port and try are in index and attempt. */
  matchFields(f: PacketFields): number {
    if (f.layer === this.layer) return this.matchTransport(f);
    if (f.layer === LAYER_ICMP) return this.matchIcmp(f);
    return MATCH_NONE;
  }

  private matchTransport(f: PacketFields): number {
    // Outgoing first: on `lo` source and target are the same address.
    if (f.dstId === this.targetId) {
      const attempt = this.attemptOf(f.srcPort);
      const index = this.indexOf(f.dstPort);
      if (attempt >= 0 && index >= 0 && this.isSourceOf(f.srcId, index, attempt)) {
        this.index = index;
        this.attempt = attempt;
        const own = f.layer === LAYER_UDP || (f.seq === this.seq(index, attempt) && f.flags === this.probeFlags);
        return own ? MATCH_OWN : MATCH_KERNEL;
      }
    }
    if (f.srcId !== this.targetId) return MATCH_NONE;
    const attempt = this.attemptOf(f.dstPort);
    const index = this.indexOf(f.srcPort);
    // An answer goes back to the address and port that try came from; anything else is foreign.
    if (attempt < 0 || index < 0 || !this.isSourceOf(f.dstId, index, attempt)) return MATCH_NONE;
    if (f.layer === LAYER_TCP) {
      if (f.flags & TCP_ACK) {
        if (f.ack !== this.technique.expectedAck(this.seq(index, attempt))) return MATCH_NONE;
      } else if (!(f.flags & (TCP_RST | TCP_SYN))) {
        // Without ACK only a reset or a bare SYN (simultaneous open) can be an answer.
        return MATCH_NONE;
      }
    }
    this.index = index;
    this.attempt = attempt;
    return MATCH_ANSWER;
  }

  private matchIcmp(f: PacketFields): number {
    if (!f.quoted || f.qProtocol !== this.protocol) return MATCH_NONE;
    if (f.qDstId === this.targetId && f.dstId === f.qSrcId) {
      const attempt = this.attemptOf(f.qSrcPort);
      const index = this.indexOf(f.qDstPort);
      if (attempt >= 0 && index >= 0 && this.isSourceOf(f.qSrcId, index, attempt)) {
        if (this.layer === LAYER_TCP && f.qHasSeq && f.qSeq !== this.seq(index, attempt)) return MATCH_NONE;
        this.index = index;
        this.attempt = attempt;
        return MATCH_ANSWER;
      }
    }
    // Our kernel's error about the target's reply (e.g. port-unreachable for a UDP answer to our raw source port).
    if (f.qSrcId === this.targetId && f.srcId === f.qDstId) {
      const index = this.indexOf(f.qSrcPort);
      const attempt = this.attemptOf(f.qDstPort);
      if (index >= 0 && attempt >= 0 && this.isSourceOf(f.srcId, index, attempt)) {
        this.index = index;
        this.attempt = attempt;
        return MATCH_KERNEL;
      }
    }
    return MATCH_NONE;
  }
}

/** A source-port base whose span avoids the scanned ports where the port list leaves room. */
export function pickSourcePortBase(ports: readonly number[], random: () => number = Math.random): number {
  // a bitmap, not a Set: a full range's Set is 2 MB that outlives a young-generation collection
  const scanned = new Uint8Array(65536);
  for (const p of ports) scanned[p] = 1;
  let base = 40000;
  for (let tries = 0; tries < 64; tries++) {
    base = 33000 + Math.floor(random() * (60999 - 33000 - SOURCE_PORT_SPAN));
    let clash = false;
    for (let p = base; p < base + SOURCE_PORT_SPAN && !clash; p++) clash = scanned[p] === 1;
    if (!clash) return base;
  }
  return base;
}
