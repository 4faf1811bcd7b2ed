import { readFileSync } from 'node:fs';
import { loadNativeLayer } from './native-addon';
import type { FrameBatch, PacketSocket, PacketSocketStats } from './native-layer';
import { hasCapNetRaw, missingCapNetRaw } from './privilege';
import { UserError } from '../base/errors';

/**
 * The receive ring of a raw scan (TPACKET_V3: blocks of the native layer's ringBlockBytes, 32 KiB, frames packed at
 * their captured length). It is mapped into the process and counts fully in its RSS. A 60-byte answer takes 144
 * bytes of it (with the kernel's header), so it holds some 7000 answers: 30 ms of answers at 200,000 a second,
 * while the receive thread empties it every millisecond.
 */
export const SCAN_RING_BYTES = 1024 * 1024;
/** Eight blocks: eight of the kernel's 1 ms block timeouts before answers trickling in find the ring full. */
const MIN_SCAN_RING_BLOCKS = 8;
/**
 * The longest drain() waits for frames the ring already holds: they reach JS within the block timeout (4 ms at the
 * 90th percentile), unless the receive thread gets no core on a loaded host.
 */
const DRAIN_LIMIT_MS = 200;

/**
 * The ring of each target when `targetsAtOnce` are scanned at the same time: they share the answers one target
 * would get at full rate (the send threads share the cores), so they share one ring's worth, down to eight blocks
 * each. 16 hosts × top 1000 ports, 8 at once: 8 MB of rings → 2 MB, with no answer lost.
 */
export function scanRingBytes(targetsAtOnce: number): number {
  return Math.max(MIN_SCAN_RING_BLOCKS * loadNativeLayer().ringBlockBytes, Math.floor(SCAN_RING_BYTES / Math.max(1, targetsAtOnce)));
}
/** Ethernet header and one VLAN tag in front of an MTU-sized packet. */
const LINK_HEADER_BYTES = 18;
const MAX_SNAPLEN = 65535;
/** /sys/class/net/<iface>/type of `lo` (ARPHRD_LOOPBACK) */
const ARPHRD_LOOPBACK = 772;
const ETHERNET_MTU = 1500;

/**
 * The largest frame the link carries: a shorter snaplen would cut answers, which the decoders then
 * reject. Except on `lo`, whose 64 KiB MTU would let one datagram fill half a ring block: there the
 * snaplen is an Ethernet frame's, which every probe and every answer to one fits (a UDP answer over 1500
 * bytes is cut there, as a link with Ethernet's MTU would have fragmented it).
 */
function snaplenOf(iface: string, loopback: boolean): number {
  const mtu = sysNumber(iface, 'mtu');
  if (mtu === undefined || !Number.isInteger(mtu) || mtu <= 0) return MAX_SNAPLEN;
  return Math.min(MAX_SNAPLEN, (loopback ? Math.min(mtu, ETHERNET_MTU) : mtu) + LINK_HEADER_BYTES);
}

/** ARPHRD_* of the interface, undefined when /sys does not say (the socket's own check then refuses it) */
function linkTypeOf(iface: string): number | undefined {
  return sysNumber(iface, 'type');
}

function sysNumber(iface: string, file: string): number | undefined {
  try {
    return Number(readFileSync(`/sys/class/net/${iface}/${file}`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** ARPHRD_ETHER: the other link type PortLab captures on, beside lo (which carries Ethernet headers too). */
const ARPHRD_ETHER = 1;

/**
 * Now, in microseconds since the epoch, on the clock of the capture's timestamps (the kernel's
 * CLOCK_REALTIME): for frames sent otherwise than by LiveCapture.send.
 */
export function captureClockMicros(): number {
  return loadNativeLayer().now();
}

/** errno names of a send the kernel had no room for: the frame is lost as on a busy link, the link itself is fine */
const TRANSIENT_SEND_ERRORS = new Set(['ENOBUFS', 'EAGAIN']);

/**
 * A packet socket on one interface (the native layer's PacketSocket): captures matching frames and injects
 * Ethernet frames.
 *
 * Frames arrive in batches from the native receive thread, each handed on to onFrame with the kernel's
 * timestamp (µs since the epoch), taken when the frame passed, not when JavaScript got to it (up to tens of
 * ms later under load); each send returns the moment just before the frame went to the kernel, on the same
 * clock. A frame we inject is not captured back (the kernel does not hand a packet socket its own frames):
 * whoever sends it records it.
 */
export class LiveCapture {
  private socket!: PacketSocket;
  private closed = false;
  private lost = false;
  /**
   * Batches captured before the opener's `await` resumed: the receive thread starts with the socket, and the
   * opener's onFrame may use what open() resolves with. They are handed on one loop turn later, in order.
   */
  private early: FrameBatch[] | undefined = [];
  /** frames handed to onFrame */
  private delivered = 0;
  /** drain()'s check, run after each delivery while it waits */
  private drainCheck: (() => void) | undefined;

  private constructor(
    readonly iface: string,
    private readonly onFrame: (frame: Uint8Array, capturedAtMicros: number) => void,
    private readonly onLost: ((err: UserError) => void) | undefined,
  ) {}

  /**
   * Opens a capture on `iface`: the socket is made on a native thread, so captures opened at the same time (one
   * per target of a scan) wait for the kernel together, and the JS thread not at all.
   * `filter` must be built from validated addresses only: it is compiled by libpcap as given.
   * `onLost` is called once when the interface goes down or disappears; the capture then stops.
   */
  static async open(
    iface: string,
    filter: string,
    onFrame: (frame: Uint8Array, capturedAtMicros: number) => void,
    onLost?: (err: UserError) => void,
    ringBytes = SCAN_RING_BYTES,
  ): Promise<LiveCapture> {
    if (!hasCapNetRaw()) throw missingCapNetRaw('capturing packets');
    const native = loadNativeLayer();
    // On `lo` every packet passes twice, leaving and arriving. libpcap skipped the leaving copy itself; a packet
    // socket is handed both, so `inbound` (compiled to a load of the packet type != PACKET_OUTGOING) keeps the
    // arriving one, in the kernel, before it takes ring space.
    const loopback = linkTypeOf(iface) === ARPHRD_LOOPBACK;
    const wanted = loopback ? `inbound and (${filter})` : filter;
    const capture = new LiveCapture(iface, onFrame, onLost);
    try {
      capture.socket = await native.PacketSocket.open(iface, wanted, {
        snaplen: snaplenOf(iface, loopback),
        ringBytes,
        onFrames: (batch) => (capture.early ? capture.early.push(batch) : capture.deliver(batch)),
        onError: (message) => capture.linkLost(message),
      });
    } catch (err) {
      const { message, code } = err as NodeJS.ErrnoException;
      if (code === 'EPERM' || code === 'EACCES') throw missingCapNetRaw('capturing packets');
      throw new UserError(`cannot capture on ${iface}: ${message}`, code === 'ENODEV' ? 'interface-unusable' : 'bad-input');
    }
    const linkType = capture.socket.linkType;
    if (linkType !== ARPHRD_ETHER && linkType !== ARPHRD_LOOPBACK) {
      capture.close();
      throw new UserError(`interface ${iface} has link type ${linkType} (ARPHRD_*); only Ethernet (and lo) are supported`, 'interface-unusable');
    }
    setImmediate(() => {
      const early = capture.early!;
      capture.early = undefined;
      for (const batch of early) capture.deliver(batch);
    });
    return capture;
  }

  /** Each frame is a view into the batch's own buffer, which nothing reuses: it may be kept as it is. */
  private deliver({ data, offsets, lengths, times, count }: FrameBatch): void {
    for (let k = 0; k < count && !this.closed; k++) this.onFrame(data.subarray(offsets[k]!, offsets[k]! + lengths[k]!), times[k]!);
    this.delivered += count;
    this.drainCheck?.();
  }

  /**
   * Resolves once every frame the kernel had put in the ring when called has been handed to onFrame, or after
   * DRAIN_LIMIT_MS. A frame waits in the ring until its block is handed over (full, or the 1 ms timeout: a few ms
   * on a loaded host), so a scan that stopped at its last answer would lose what came with it, our kernel's RST
   * after a SYN/ACK among them: the kernel sends that RST while it processes the SYN/ACK, before the receive
   * thread can have handed the SYN/ACK to JS, so the count already holds it.
   */
  drain(): Promise<void> {
    if (this.closed || this.lost) return Promise.resolve();
    const wanted = this.socket.stats().captured;
    if (this.delivered >= wanted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.drainCheck = undefined;
        resolve();
      };
      const timer = setTimeout(done, DRAIN_LIMIT_MS);
      this.drainCheck = () => {
        if (this.delivered >= wanted || this.closed) done();
      };
    });
  }

  /**
   * Sends one frame and returns when it went to the kernel (µs since the epoch, the capture's clock); on a
   * lost link, reports it through onLost and drops the frame.
   */
  send(frame: Uint8Array): number {
    if (this.lost || this.closed) return captureClockMicros();
    try {
      return this.socket.send(frame);
    } catch (err) {
      const { message, code } = err as NodeJS.ErrnoException;
      if (!TRANSIENT_SEND_ERRORS.has(code ?? '')) this.linkLost(message);
      return captureClockMicros();
    }
  }

  /**
   * Queues `count` frames (frame k = data[offsets[k] .. offsets[k]+lengths[k]]) for the native send thread and
   * returns when (µs, the capture's clock), or -1 when its queue is full (nothing queued: call again after a
   * turn). Frames are copied: the caller may refill its buffers at once. On a lost link they are dropped.
   */
  sendBatch(data: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number {
    if (this.lost || this.closed) return captureClockMicros();
    return this.socket.sendBatch(data, offsets, lengths, count);
  }

  /** frames received, dropped by the kernel (ring full), sent, refused by the kernel, and waiting to be sent */
  stats(): PacketSocketStats {
    return this.socket.stats();
  }

  private linkLost(message: string): void {
    if (this.lost || this.closed) return;
    this.lost = true;
    this.onLost?.(new UserError(`interface ${this.iface} ${fateOf(this.iface)} during the scan (${message})`, 'interface-unusable'));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    this.drainCheck?.();
  }
}

function fateOf(iface: string): string {
  try {
    return readFileSync(`/sys/class/net/${iface}/operstate`, 'utf8').trim() === 'up' ? 'failed' : 'went down';
  } catch {
    return 'was removed';
  }
}
