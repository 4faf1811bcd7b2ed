import { readFileSync } from 'node:fs';
import type * as CapModule from 'cap';
import { loadNative } from './native-addon';
import { hasCapNetRaw, missingCapNetRaw } from './privilege';
import { UserError } from '../engine/errors';

/**
 * libpcap's ring for a raw scan. It is mapped into the process and counts fully in its RSS, once per
 * target scanned at the same time; and with cap's snaplen of 65535 each slot is 64 KiB (plus
 * alignment: libpcap maps twice what is asked), so 4 MiB holds 63 frames. The raw scan loop yields
 * every 32 probes, so a ring never holds more than a turn's answers: S1 (65,535 SYNs) lost none,
 * and 8 targets at once map 64 MiB instead of 256.
 */
export const SCAN_RING_BYTES = 4 * 1024 * 1024;

/** A libpcap handle on one interface: captures matching frames and injects Ethernet frames. */
export class LiveCapture {
  private readonly cap = new (loadNative<typeof CapModule>('cap').Cap)();
  private readonly buffer = Buffer.alloc(65535);
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
    onFrame: (frame: Uint8Array) => void,
    private readonly onLost?: (err: UserError) => void,
    ringBytes = SCAN_RING_BYTES,
  ) {
    if (!hasCapNetRaw()) throw missingCapNetRaw('capturing packets');
    try {
      const linkType = this.cap.open(iface, filter, ringBytes, this.buffer);
      if (linkType !== 'ETHERNET') {
        this.cap.close();
        throw new UserError(`interface ${iface} has link type ${linkType}; only Ethernet (and lo) are supported`);
      }
    } catch (err) {
      if (err instanceof UserError) throw err;
      const message = (err as Error).message;
      if (/permit|denied/i.test(message)) throw missingCapNetRaw('capturing packets');
      throw new UserError(`cannot capture on ${iface}: ${message}`);
    }
    this.cap.setMinBytes?.(0);
    // The addon reuses one buffer for every packet: copy before anything async can see it.
    this.cap.on('packet', (nbytes: number) => onFrame(Uint8Array.prototype.slice.call(this.buffer, 0, nbytes)));
    // Emitted by our patch of the addon (patches/cap+0.2.1.patch) where upstream aborts the process.
    this.cap.on('error', (err: Error) => this.linkLost(err));
  }

  /** Sends one frame; on a lost link, reports it through onLost and drops the frame. */
  send(frame: Uint8Array): void {
    if (this.lost || this.closed) return;
    try {
      if (frame !== this.lastFrame) {
        this.lastFrame = frame;
        this.lastView = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
      }
      this.cap.send(this.lastView!, frame.byteLength);
    } catch (err) {
      this.linkLost(err as Error);
    }
  }

  private linkLost(err: Error): void {
    if (this.lost || this.closed) return;
    this.lost = true;
    // libuv turns the socket's POLLERR into EBADF, which says nothing to a user; libpcap's own words do.
    const detail = /bad file descriptor/i.test(err.message) ? '' : ` (${err.message})`;
    this.onLost?.(new UserError(`interface ${this.iface} ${fateOf(this.iface)} during the scan${detail}`));
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
