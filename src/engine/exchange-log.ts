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

/**
 * The fixed text around an exchange's values in JSON, compact (`JSON.stringify(result)`) or pretty (the
 * exchange of a result that is an element of a pretty document's `results`: packets 8 spaces in, their keys 10).
 */
interface ExchangeJsonKeys {
  open: string;
  dirIn: string;
  dirOut: string;
  t: string;
  /** key and value together, by the log's kind number */
  kind: readonly string[];
  src: string;
  len: string;
  flags: string;
  window: string;
  icmpType: string;
  icmpCode: string;
  retry: string;
  kernel: string;
  ipVersion: string;
  frame: string;
  close: string;
  /** after the last packet: the array's closing bracket */
  end: string;
}

/**
 * A key as JSON.stringify writes it before its value: `"name":` compact, or on its own line `indent` spaces in
 * with pretty (2-space) indentation; `first` has no comma before it.
 */
export function jsonKeyText(name: string, pretty: boolean, indent: number, first = false): string {
  return `${first ? '' : ','}${pretty ? `\n${' '.repeat(indent)}"${name}": ` : `"${name}":`}`;
}

function exchangeJsonKeys(pretty: boolean): ExchangeJsonKeys {
  const key = (name: string, first = false) => jsonKeyText(name, pretty, 10, first);
  return {
    open: pretty ? '\n        {' : '{',
    dirIn: `${key('dir', true)}"in"`,
    dirOut: `${key('dir', true)}"out"`,
    t: key('t'),
    kind: KINDS.map((k) => `${key('kind')}"${k}"`),
    src: key('src'),
    len: key('len'),
    flags: key('flags'),
    window: key('window'),
    icmpType: key('icmpType'),
    icmpCode: key('icmpCode'),
    retry: key('retry'),
    kernel: `${key('kernel')}true`,
    ipVersion: `${key('ipVersion')}6`,
    frame: key('frame'),
    close: pretty ? '\n        }' : '}',
    end: pretty ? '\n      ]' : ']',
  };
}

export const COMPACT_EXCHANGE_JSON = exchangeJsonKeys(false);
export const PRETTY_EXCHANGE_JSON = exchangeJsonKeys(true);

/** TCP flag bytes as JSON strings of their letters, made once each. */
const FLAGS_JSON: string[] = [];
function flagsJson(flags: number): string {
  return (FLAGS_JSON[flags] ??= JSON.stringify(tcpFlagLetters(flags)));
}

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
 * Entries per chunk of the log: at most 8192 × 24 bytes (30 with frame numbers and ICMP fields), 200 to 250 KB. A log expecting fewer entries (a book of few
 * ports: 16 hosts × 1000 ports are 16 logs) takes smaller chunks, down to 256 entries: every chunk's arrays are
 * written with zeros when made, so an unused part of one still costs its memory.
 */
const MAX_CHUNK_BITS = 13;
const MIN_CHUNK_BITS = 8;

/**
 * One chunk of log entries, a typed array per field. The fields most packets lack (a pcap frame without a capture,
 * ICMP type and code) get their arrays when a packet first has them.
 */
class Chunk {
  readonly t: Float64Array;
  readonly src: Uint32Array;
  frame: Uint32Array | undefined;
  readonly next: Int32Array;
  readonly len: Uint16Array;
  readonly window: Uint16Array;
  readonly bits: Uint8Array;
  readonly kind: Uint8Array;
  readonly flags: Uint8Array;
  icmpType: Uint8Array | undefined;
  icmpCode: Uint8Array | undefined;
  readonly retry: Uint8Array;

  constructor(readonly size: number) {
    this.t = new Float64Array(size);
    this.src = new Uint32Array(size);
    this.next = new Int32Array(size);
    this.len = new Uint16Array(size);
    this.window = new Uint16Array(size);
    this.bits = new Uint8Array(size);
    this.kind = new Uint8Array(size);
    this.flags = new Uint8Array(size);
    this.retry = new Uint8Array(size);
  }

  setFrame(k: number, frame: number): void {
    (this.frame ??= new Uint32Array(this.size))[k] = frame;
  }

  setIcmp(k: number, type: number, code: number): void {
    (this.icmpType ??= new Uint8Array(this.size))[k] = type;
    (this.icmpCode ??= new Uint8Array(this.size))[k] = code;
  }
}

/**
 * Every packet of every port's exchange, packed into typed arrays (24 to 30 bytes a packet, no
 * object per packet): a full-range scan logs 130k+ packets, which as objects cost more memory and
 * garbage collection than the scan itself. The arrays come in fixed chunks, so the log never holds
 * more than one chunk it does not use and never copies itself to grow. Each port's packets form a
 * linked list in log order; ExchangePacket objects exist only while a port's result is being handed out,
 * and `--json` writes its text straight from the arrays (packetsJson).
 */
export class ExchangeLog {
  private size = 0;
  private readonly chunks: Chunk[] = [];
  /** a scan sees a handful of distinct addresses: each gets a small number once */
  private readonly addressIds = new Map<string, number>();
  private readonly addresses: string[] = [];
  private readonly chunkBits: number;
  private readonly mask: number;
  /** each address as a JSON string, made when first written */
  private readonly addressTexts: string[] = [];

  /** `expectedEntries`, when known (a book's ports × the packets of a usual exchange), sizes the chunks. */
  constructor(expectedEntries = 1 << MAX_CHUNK_BITS) {
    this.chunkBits = Math.min(MAX_CHUNK_BITS, Math.max(MIN_CHUNK_BITS, Math.ceil(Math.log2(Math.max(1, expectedEntries)))));
    this.mask = (1 << this.chunkBits) - 1;
  }

  /** A new entry's chunk and slot, linked after `after` (a port's last entry, or -1). */
  private append(after: number): number {
    const e = this.size++;
    if ((e & this.mask) === 0) this.chunks.push(new Chunk(this.mask + 1));
    const c = this.chunks[e >> this.chunkBits]!;
    c.next[e & this.mask] = -1;
    if (after >= 0) this.chunks[after >> this.chunkBits]!.next[after & this.mask] = e;
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
    const c = this.chunks[e >> this.chunkBits]!;
    const k = e & this.mask;
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
      c.setIcmp(k, p.icmp.type, p.icmp.code);
    }
    if (p.retry !== undefined) {
      bits |= HAS_RETRY;
      c.retry[k] = Math.min(p.retry, 255);
    }
    if (p.kernel) bits |= KERNEL;
    if (p.ipVersion === 6) bits |= IPV6;
    if (p.frame !== undefined) {
      bits |= HAS_FRAME;
      c.setFrame(k, p.frame);
    }
    c.bits[k] = bits;
    return e;
  }

  /**
   * Appends a captured packet from its fields, as add() would from the same packet's LoggedPacket, without
   * building one. `srcId` is addressId() of its source; `frame` its pcap frame number, if written; `retry` which
   * try of the port's probe it is (a connect scan's SYN).
   */
  addFields(after: number, f: PacketFields, dir: 'in' | 'out', tMs: number, srcId: number, frame: number | undefined, kernel: boolean, retry?: number): number {
    const e = this.append(after);
    const c = this.chunks[e >> this.chunkBits]!;
    const k = e & this.mask;
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
        c.setIcmp(k, f.icmpType, f.icmpCode);
      }
    }
    if (retry !== undefined) {
      bits |= HAS_RETRY;
      c.retry[k] = Math.min(retry, 255);
    }
    if (frame !== undefined) {
      bits |= HAS_FRAME;
      c.setFrame(k, frame);
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

  /**
   * The exchange starting at entry `first` as the text JSON.stringify gives packets() (`keys` says compact or
   * pretty, see ExchangeJsonKeys), written from the arrays: a full-range `--json` builds no packet object.
   */
  packetsJson(first: number, keys: ExchangeJsonKeys): string {
    let text = '[';
    for (let e = first; e >= 0;) {
      const c = this.chunks[e >> this.chunkBits]!;
      const k = e & this.mask;
      const bits = c.bits[k]!;
      if (e !== first) text += ',';
      text += `${keys.open}${bits & DIR_IN ? keys.dirIn : keys.dirOut}${keys.t}${c.t[k]}${keys.kind[c.kind[k]!]}${keys.src}${this.addressJson(c.src[k]!)}${keys.len}${c.len[k]}`;
      if (bits & HAS_FLAGS) text += `${keys.flags}${flagsJson(c.flags[k]!)}`;
      if (bits & HAS_WINDOW) text += `${keys.window}${c.window[k]}`;
      if (bits & HAS_ICMP) text += `${keys.icmpType}${c.icmpType![k]}${keys.icmpCode}${c.icmpCode![k]}`;
      if (bits & HAS_RETRY) text += `${keys.retry}${c.retry[k]}`;
      if (bits & KERNEL) text += keys.kernel;
      if (bits & IPV6) text += keys.ipVersion;
      if (bits & HAS_FRAME) text += `${keys.frame}${c.frame![k]}`;
      text += keys.close;
      e = c.next[k]!;
    }
    return first >= 0 ? `${text}${keys.end}` : '[]';
  }

  private addressJson(id: number): string {
    return (this.addressTexts[id] ??= JSON.stringify(this.addresses[id]));
  }

  /** The exchange starting at entry `first`, as protocol objects (same fields as exchangePacketOf gave). */
  packets(first: number): ExchangePacket[] {
    const out: ExchangePacket[] = [];
    for (let e = first; e >= 0;) {
      const c = this.chunks[e >> this.chunkBits]!;
      const k = e & this.mask;
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
        p.icmpType = c.icmpType![k]!;
        p.icmpCode = c.icmpCode![k]!;
      }
      if (bits & HAS_RETRY) p.retry = c.retry[k]!;
      if (bits & KERNEL) p.kernel = true;
      if (bits & IPV6) p.ipVersion = 6;
      if (bits & HAS_FRAME) p.frame = c.frame![k]!;
      out.push(p);
      e = c.next[k]!;
    }
    return out;
  }
}
