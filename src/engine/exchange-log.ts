import { tcpFlagLetters, type ExchangePacket } from '../protocol';
import { IPV6_HEADER_LENGTH, type DecodedFrame } from '../wire';

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

/**
 * Every packet of every port's exchange, packed into typed arrays (about 30 bytes a packet, no
 * object per packet): a full-range scan logs 130k+ packets, which as objects cost more memory and
 * garbage collection than the scan itself. Each port's packets form a linked list in log order;
 * ExchangePacket objects exist only while a port's result is being handed out.
 */
export class ExchangeLog {
  private size = 0;
  private t = new Float64Array(0);
  private src = new Uint32Array(0);
  private frame = new Uint32Array(0);
  private next = new Int32Array(0);
  private len = new Uint16Array(0);
  private bits = new Uint8Array(0);
  private kind = new Uint8Array(0);
  private flags = new Uint8Array(0);
  private window = new Uint16Array(0);
  private icmpType = new Uint8Array(0);
  private icmpCode = new Uint8Array(0);
  private retry = new Uint8Array(0);
  /** a scan sees a handful of distinct addresses: each gets a small number once */
  private readonly addressIds = new Map<string, number>();
  private readonly addresses: string[] = [];

  private grow(): void {
    const cap = Math.max(1024, this.t.length * 2);
    const grown = <T extends Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(cap);
      b.set(a as never);
      return b;
    };
    this.t = grown(this.t, Float64Array);
    this.src = grown(this.src, Uint32Array);
    this.frame = grown(this.frame, Uint32Array);
    this.next = grown(this.next, Int32Array);
    this.len = grown(this.len, Uint16Array);
    this.bits = grown(this.bits, Uint8Array);
    this.kind = grown(this.kind, Uint8Array);
    this.flags = grown(this.flags, Uint8Array);
    this.window = grown(this.window, Uint16Array);
    this.icmpType = grown(this.icmpType, Uint8Array);
    this.icmpCode = grown(this.icmpCode, Uint8Array);
    this.retry = grown(this.retry, Uint8Array);
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
    if (this.size === this.t.length) this.grow();
    const e = this.size++;
    let bits = p.dir === 'in' ? DIR_IN : 0;
    this.t[e] = Math.round(p.tMs * 1000) / 1000;
    this.kind[e] = p.kind === 'tcp' ? KIND_TCP : p.kind === 'udp' ? KIND_UDP : KIND_ICMP;
    this.src[e] = p.srcId;
    this.len[e] = p.len;
    this.next[e] = -1;
    if (p.tcpFlags !== undefined) {
      bits |= HAS_FLAGS;
      this.flags[e] = p.tcpFlags;
    }
    if (p.tcpWindow !== undefined && p.dir === 'in') {
      bits |= HAS_WINDOW;
      this.window[e] = p.tcpWindow;
    }
    if (p.icmp) {
      bits |= HAS_ICMP;
      this.icmpType[e] = p.icmp.type;
      this.icmpCode[e] = p.icmp.code;
    }
    if (p.retry !== undefined) {
      bits |= HAS_RETRY;
      this.retry[e] = Math.min(p.retry, 255);
    }
    if (p.kernel) bits |= KERNEL;
    if (p.ipVersion === 6) bits |= IPV6;
    if (p.frame !== undefined) {
      bits |= HAS_FRAME;
      this.frame[e] = p.frame;
    }
    this.bits[e] = bits;
    if (after >= 0) this.next[after] = e;
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
    for (let e = first; e >= 0; e = this.next[e]!) {
      const bits = this.bits[e]!;
      const p: ExchangePacket = {
        dir: bits & DIR_IN ? 'in' : 'out',
        t: this.t[e]!,
        kind: KINDS[this.kind[e]!]!,
        src: this.addresses[this.src[e]!]!,
        len: this.len[e]!,
      };
      if (bits & HAS_FLAGS) p.flags = tcpFlagLetters(this.flags[e]!);
      if (bits & HAS_WINDOW) p.window = this.window[e]!;
      if (bits & HAS_ICMP) {
        p.icmpType = this.icmpType[e]!;
        p.icmpCode = this.icmpCode[e]!;
      }
      if (bits & HAS_RETRY) p.retry = this.retry[e]!;
      if (bits & KERNEL) p.kernel = true;
      if (bits & IPV6) p.ipVersion = 6;
      if (bits & HAS_FRAME) p.frame = this.frame[e]!;
      out.push(p);
    }
    return out;
  }
}
