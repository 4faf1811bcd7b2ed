import { tcpFlagLetters, type ExchangePacket } from '../protocol';
import { IPV6_HEADER_LENGTH, type DecodedFrame } from '../wire';
import { LAYER_ICMP, LAYER_TCP, LAYER_UDP, type PacketFields } from './packet-fields';

const KIND_TCP = 0;
const KIND_UDP = 1;
const KIND_ICMP = 2;
const KINDS = ['tcp', 'udp', 'icmp'] as const;

const DIR_IN = 1;
const KERNEL = 2;
const HAS_FLAGS = 4;
const HAS_ICMP = 8;
const HAS_RETRY = 16;
const HAS_FRAME = 32;
const HAS_WINDOW = 64;
const IPV6 = 128;

/** What a packet adds to its exchange besides its headers. */
export interface ExchangeExtra {
  retry?: number;
  kernel?: boolean;
  frame?: number | undefined;
}

/** One packet as the log takes it: where it went, when, its header fields and what it adds to the exchange. */
export interface LoggedPacket extends ExchangeExtra {
  dir: 'in' | 'out';
  tMs: number;
  kind: ExchangePacket['kind'];
  /** the source address's number (addressId) */
  srcId: number;
  /** IP total length (IPv6: payload length + 40) */
  len: number;
  /** 6 for a packet of IPv6 (an `icmp` one is then ICMPv6) */
  ipVersion?: 6 | undefined;
  tcpFlags?: number | undefined;
  /** kept for answers only, as ExchangePacket has it */
  tcpWindow?: number | undefined;
  icmp?: { type: number; code: number } | undefined;
}

/** Entries per chunk of the log: 8192 × ~31 bytes, 250 KB. */
const CHUNK_BITS = 13;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/** One chunk of log entries, a typed array per field. */
class Chunk {
  readonly t = new Float64Array(CHUNK);
  readonly src = new Uint32Array(CHUNK);
  readonly frame = new Uint32Array(CHUNK);
  readonly next = new Int32Array(CHUNK);
  readonly len = new Uint16Array(CHUNK);
  readonly window = new Uint16Array(CHUNK);
  readonly bits = new Uint8Array(CHUNK);
  readonly kind = new Uint8Array(CHUNK);
  readonly flags = new Uint8Array(CHUNK);
  readonly icmpType = new Uint8Array(CHUNK);
  readonly icmpCode = new Uint8Array(CHUNK);
  readonly retry = new Uint8Array(CHUNK);
}

/**
 * Every packet of every port's exchange, packed into typed arrays (about 31 bytes a packet, no
 * object per packet): a full-range scan logs 130k+ packets, which as objects cost more memory and
 * garbage collection than the scan itself. The arrays come in fixed chunks, so the log never holds
 * more than one chunk it does not use and never copies itself to grow. Each port's packets form a
 * linked list in log order; ExchangePacket objects exist only while a port's result is being handed out.
 */
export class ExchangeLog {
  private size = 0;
  private readonly chunks: Chunk[] = [];
  /** a scan sees a handful of distinct addresses: each gets a small number once */
  private readonly addressIds = new Map<string, number>();
  private readonly addresses: string[] = [];

  /** A new entry's chunk and slot, linked after `after` (a port's last entry, or -1). */
  private append(after: number): number {
    const e = this.size++;
    if ((e & MASK) === 0) this.chunks.push(new Chunk());
    const c = this.chunks[e >> CHUNK_BITS]!;
    c.next[e & MASK] = -1;
    if (after >= 0) this.chunks[after >> CHUNK_BITS]!.next[after & MASK] = e;
    return e;
  }

  addressId(address: string): number {
    let id = this.addressIds.get(address);
    if (id === undefined) {
      id = this.addresses.length;
      this.addresses.push(address);
      this.addressIds.set(address, id);
    }
    return id;
  }

  /** Appends one packet and returns its entry number; `after` is the port's last entry (or -1). */
  add(after: number, p: LoggedPacket): number {
    const e = this.append(after);
    const c = this.chunks[e >> CHUNK_BITS]!;
    const k = e & MASK;
    let bits = p.dir === 'in' ? DIR_IN : 0;
    c.t[k] = Math.round(p.tMs * 1000) / 1000;
    c.kind[k] = p.kind === 'tcp' ? KIND_TCP : p.kind === 'udp' ? KIND_UDP : KIND_ICMP;
    c.src[k] = p.srcId;
    c.len[k] = p.len;
    if (p.tcpFlags !== undefined) {
      bits |= HAS_FLAGS;
      c.flags[k] = p.tcpFlags;
    }
    if (p.tcpWindow !== undefined && p.dir === 'in') {
      bits |= HAS_WINDOW;
      c.window[k] = p.tcpWindow;
    }
    if (p.icmp) {
      bits |= HAS_ICMP;
      c.icmpType[k] = p.icmp.type;
      c.icmpCode[k] = p.icmp.code;
    }
    if (p.retry !== undefined) {
      bits |= HAS_RETRY;
      c.retry[k] = Math.min(p.retry, 255);
    }
    if (p.kernel) bits |= KERNEL;
    if (p.ipVersion === 6) bits |= IPV6;
    if (p.frame !== undefined) {
      bits |= HAS_FRAME;
      c.frame[k] = p.frame;
    }
    c.bits[k] = bits;
    return e;
  }

  /**
   * Appends a captured packet from its fields, as add() would from the same packet's LoggedPacket, without
   * building one. `srcId` is addressId() of its source; `frame` its pcap frame number, if written.
   */
  addFields(after: number, f: PacketFields, dir: 'in' | 'out', tMs: number, srcId: number, frame: number | undefined, kernel: boolean): number {
    const e = this.append(after);
    const c = this.chunks[e >> CHUNK_BITS]!;
    const k = e & MASK;
    let bits = (dir === 'in' ? DIR_IN : 0) | (kernel ? KERNEL : 0) | (f.ipVersion === 6 ? IPV6 : 0);
    c.t[k] = Math.round(tMs * 1000) / 1000;
    c.src[k] = srcId;
    c.len[k] = f.ipLength;
    if (f.layer === LAYER_TCP) {
      c.kind[k] = KIND_TCP;
      bits |= HAS_FLAGS;
      c.flags[k] = f.flags;
      if (dir === 'in') {
        bits |= HAS_WINDOW;
        c.window[k] = f.window;
      }
    } else if (f.layer === LAYER_UDP) c.kind[k] = KIND_UDP;
    else {
      c.kind[k] = KIND_ICMP;
      if (f.layer === LAYER_ICMP) {
        bits |= HAS_ICMP;
        c.icmpType[k] = f.icmpType;
        c.icmpCode[k] = f.icmpCode;
      }
    }
    if (frame !== undefined) {
      bits |= HAS_FRAME;
      c.frame[k] = frame;
    }
    c.bits[k] = bits;
    return e;
  }

  /** Appends a decoded IPv4 or IPv6 packet (captured or sent). */
  addDecoded(after: number, d: DecodedFrame, dir: 'in' | 'out', tMs: number, extra: ExchangeExtra): number {
    // Per captured answer: the headers as decoded, not ipView's copy of them.
    const ip = (d.ip ?? d.ip6)!;
    const kind = d.tcp ? 'tcp' : d.udp ? 'udp' : 'icmp';
    const { retry, kernel, frame } = extra;
    const ipVersion = d.ip6 ? 6 : undefined;
    const icmp = d.icmp ?? d.icmp6;
    return this.add(after, {
      dir,
      tMs,
      kind,
      srcId: this.addressId(ip.src),
      len: d.ip ? d.ip.totalLength : d.ip6!.payloadLength + IPV6_HEADER_LENGTH,
      ipVersion,
      tcpFlags: d.tcp?.flags,
      tcpWindow: d.tcp?.window,
      icmp,
      retry,
      kernel,
      frame,
    });
  }

  /** The exchange starting at entry `first`, as protocol objects (same fields as exchangePacketOf gave). */
  packets(first: number): ExchangePacket[] {
    const out: ExchangePacket[] = [];
    for (let e = first; e >= 0;) {
      const c = this.chunks[e >> CHUNK_BITS]!;
      const k = e & MASK;
      const bits = c.bits[k]!;
      const p: ExchangePacket = {
        dir: bits & DIR_IN ? 'in' : 'out',
        t: c.t[k]!,
        kind: KINDS[c.kind[k]!]!,
        src: this.addresses[c.src[k]!]!,
        len: c.len[k]!,
      };
      if (bits & HAS_FLAGS) p.flags = tcpFlagLetters(c.flags[k]!);
      if (bits & HAS_WINDOW) p.window = c.window[k]!;
      if (bits & HAS_ICMP) {
        p.icmpType = c.icmpType[k]!;
        p.icmpCode = c.icmpCode[k]!;
      }
      if (bits & HAS_RETRY) p.retry = c.retry[k]!;
      if (bits & KERNEL) p.kernel = true;
      if (bits & IPV6) p.ipVersion = 6;
      if (bits & HAS_FRAME) p.frame = c.frame[k]!;
      out.push(p);
      e = c.next[k]!;
    }
    return out;
  }
}
