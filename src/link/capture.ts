import { readFileSync } from 'node:fs';
import type * as CapModule from 'cap';
import { loadNative } from './native-addon';
import { hasCapNetRaw, missingCapNetRaw } from './privilege';
import { UserError } from '../base/errors';

/**
 * libpcap's ring for a raw scan. It is mapped into the process and counts fully in its RSS, once per
 * target scanned at the same time. A slot holds one frame of up to the snaplen, which we size to the
 * link's MTU (cap's own 65535 made each slot 64 KiB, so 4 MiB held 63 frames): 1 MiB holds about 500
 * Ethernet frames, far more than the answers to one turn of the raw scan loop (it yields every 128 probes).
 */
export const SCAN_RING_BYTES = 1024 * 1024;
/** Ethernet header and one VLAN tag in front of an MTU-sized packet. */
const LINK_HEADER_BYTES = 18;
const MAX_SNAPLEN = 65535;
/** /sys/class/net/<iface>/type of `lo` (ARPHRD_LOOPBACK) */
const ARPHRD_LOOPBACK = 772;
const ETHERNET_MTU = 1500;

/**
 * The largest frame the link carries: a shorter snaplen would cut answers, which the decoders then
 * reject, and a longer one only wastes ring space. Except on `lo`, whose 64 KiB MTU made every slot
 * 64 KiB and the scan's ring 16 frames (`ss -0 -e`: frm_size:65616 frm_nr:16), too few for one turn
 * of sending: there the snaplen is an Ethernet frame's, which every probe and every answer to one fits
 * (a UDP answer over 1500 bytes is cut there, as a link with Ethernet's MTU would have fragmented it).
 */
function snaplenOf(iface: string): number {
  try {
    const sys = (file: string) => Number(readFileSync(`/sys/class/net/${iface}/${file}`, 'utf8'));
    const mtu = sys('mtu');
    if (!Number.isInteger(mtu) || mtu <= 0) return MAX_SNAPLEN;
    return Math.min(MAX_SNAPLEN, (sys('type') === ARPHRD_LOOPBACK ? Math.min(mtu, ETHERNET_MTU) : mtu) + LINK_HEADER_BYTES);
  } catch {
    return MAX_SNAPLEN;
  }
}

/**
 * The `cap` addon as patched by patches/cap+0.2.1.patch (applied by `npm install`'s postinstall). A build
 * from before the patch's timestamps would give every packet an undefined time: refused with the fix.
 */
let loaded: typeof CapModule | undefined;
function capAddon(): typeof CapModule {
  if (loaded) return loaded;
  const cap = loadNative<typeof CapModule>('cap');
  if (typeof cap.now !== 'function')
    throw new UserError("the cap addon lacks PortLab's patch (capture timestamps): run `npx patch-package && npm rebuild cap` in the PortLab folder");
  return (loaded = cap);
}

/**
 * Now, in microseconds since the epoch, on the clock of the capture's timestamps (the kernel's
 * CLOCK_REALTIME, as libpcap reads it): for frames sent otherwise than by LiveCapture.send.
 */
export function captureClockMicros(): number {
  return capAddon().now();
}

/**
 * A libpcap handle on one interface: captures matching frames and injects Ethernet frames.
 *
 * Each captured frame comes with libpcap's timestamp (µs since the epoch), taken by the kernel when the
 * frame passed, not when JavaScript got to it (up to tens of ms later under load); each send returns the
 * moment just before the frame went to the kernel, on the same clock. A frame we inject is not captured
 * back (the kernel does not hand a packet socket its own frames): whoever sends it records it.
 */
export class LiveCapture {
  private readonly cap = new (capAddon().Cap)();
  /** libpcap's snaplen is this buffer's length (patches/cap+0.2.1.patch) */
  private readonly buffer: Buffer;
  private closed = false;
  private lost = false;
  /** the Buffer view of the frame sent last: a scan sends one reused frame, wrapping it each time would be garbage */
  private lastFrame: Uint8Array | undefined;
  private lastView: Buffer | undefined;

  /**
   * `filter` must be built from validated addresses only: it is compiled by libpcap as given.
   * `onLost` is called once when the interface goes down or disappears; the capture then stops.
   */
  constructor(
    readonly iface: string,
    filter: string,
    onFrame: (frame: Uint8Array, capturedAtMicros: number) => void,
    private readonly onLost?: (err: UserError) => void,
    ringBytes = SCAN_RING_BYTES,
  ) {
    if (!hasCapNetRaw()) throw missingCapNetRaw('capturing packets');
    this.buffer = Buffer.alloc(snaplenOf(iface));
    try {
      const linkType = this.cap.open(iface, filter, ringBytes, this.buffer);
      if (linkType !== 'ETHERNET') {
        this.cap.close();
        throw new UserError(`interface ${iface} has link type ${linkType}; only Ethernet (and lo) are supported`, 'interface-unusable');
      }
    } catch (err) {
      if (err instanceof UserError) throw err;
      const message = (err as Error).message;
      if (/permit|denied/i.test(message)) throw missingCapNetRaw('capturing packets');
      throw new UserError(`cannot capture on ${iface}: ${message}`);
    }
    this.cap.setMinBytes?.(0);
    // The addon reuses one buffer for every packet: copy before anything async can see it.
    this.cap.on('packet', (nbytes: number, _truncated: boolean, capturedAt: number) =>
      onFrame(Uint8Array.prototype.slice.call(this.buffer, 0, nbytes), capturedAt),
    );
    // Emitted by our patch of the addon (patches/cap+0.2.1.patch) where upstream aborts the process.
    this.cap.on('error', (err: Error) => this.linkLost(err));
  }

  /**
   * Sends one frame and returns when it went to the kernel (µs since the epoch, the capture's clock); on a
   * lost link, reports it through onLost and drops the frame.
   */
  send(frame: Uint8Array): number {
    if (this.lost || this.closed) return captureClockMicros();
    try {
      if (frame !== this.lastFrame) {
        this.lastFrame = frame;
        this.lastView = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
      }
      return this.cap.send(this.lastView!, frame.byteLength);
    } catch (err) {
      this.linkLost(err as Error);
      return captureClockMicros();
    }
  }

  private linkLost(err: Error): void {
    if (this.lost || this.closed) return;
    this.lost = true;
    // libuv turns the socket's POLLERR into EBADF, which says nothing to a user; libpcap's own words do.
    const detail = /bad file descriptor/i.test(err.message) ? '' : ` (${err.message})`;
    this.onLost?.(new UserError(`interface ${this.iface} ${fateOf(this.iface)} during the scan${detail}`, 'interface-unusable'));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cap.close();
  }
}

function fateOf(iface: string): string {
  try {
    return readFileSync(`/sys/class/net/${iface}/operstate`, 'utf8').trim() === 'up' ? 'failed' : 'went down';
  } catch {
    return 'was removed';
  }
}
