// The shape of PortLab's native addon (native/, built to build/Release/portlab_native.node); nothing outside
// src/link sees it. The contract all parts share: /work/briefs/native-api.md (issue 16).

/** Frames handed over from the receive thread in one call. Frame k is data.subarray(offsets[k], offsets[k] + lengths[k]). */
export interface FrameBatch {
  /** owned by JS after the call (one buffer with offsets, lengths and times, freed by GC); frames back to back */
  readonly data: Uint8Array;
  readonly offsets: Uint32Array;
  /** captured length (≤ snaplen) */
  readonly lengths: Uint32Array;
  /** capture time of frame k: µs since the epoch, CLOCK_REALTIME (the clock of now()) */
  readonly times: Float64Array;
  readonly count: number;
}

export interface PacketSocketOptions {
  /** longer frames are cut to it */
  snaplen: number;
  /** TPACKET_V3 ring size (rounded up to whole blocks of 32 KiB, or more where the snaplen needs it; at least two); it counts in the process's RSS */
  ringBytes: number;
  /** every captured frame, in batches, on the JS thread; at most one batch per ~1 ms block timeout, or sooner when a block fills */
  onFrames(batch: FrameBatch): void;
  /** once: the interface went down or vanished, or a send/poll failed; receiving and sending have stopped */
  onError(message: string): void;
}

export interface PacketSocketStats {
  received: number;
  dropped: number;
  /** frames the kernel has put in the ring since the socket opened, those in a block it has not yet handed over included */
  captured: number;
  sent: number;
  sendErrors: number;
  queued: number;
}

/** An AF_PACKET socket bound to one interface, with the BPF filter attached before the ring fills. */
export interface PacketSocket {
  /** ARPHRD_* of the interface: 1 Ethernet, 772 loopback */
  readonly linkType: number;
  /** sends one frame on the calling thread (sendto); returns now() taken just before; throws Error(message) with `code` (the errno's name) on failure */
  send(frame: Uint8Array): number;
  /**
   * Copies `count` frames (frame k = data[offsets[k] .. offsets[k]+lengths[k]]) into the send thread's queue and
   * returns now() at queueing, or -1 when the queue is full (nothing queued: call again after a turn). The send
   * thread sends them in order with sendmmsg, as fast as the kernel takes them.
   */
  sendBatch(data: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number;
  stats(): PacketSocketStats;
  /** stops both threads (joined) and closes the socket; no callback runs after it returns; idempotent */
  close(): void;
}

/** A send-only raw IP socket (IPPROTO_RAW, header included) to one destination: for targets on this host (lo). */
export interface RawIpSocket {
  /** now() before; failures (ENOBUFS…) counted, not thrown */
  send(packet: Uint8Array): number;
  /** as PacketSocket's */
  sendBatch(data: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number;
  stats(): { sent: number; sendErrors: number; queued: number };
  close(): void;
}

/**
 * Non-blocking connect() attempts run by two epoll threads (each start() split between them); results of both come
 * back in batches, through one callback. Should a thread itself fail (epoll_wait, epoll_ctl or its eventfd), onError
 * is called once, after the results gathered so far: the attempts in flight are dropped (inFlight reads 0) and
 * start() throws from then on.
 */
export interface ConnectEngine {
  /**
   * Starts connect() to address (IPv4, or IPv6 text with an optional %zone) port ports[k] for k < count; each is
   * given up after timeoutMs. An accepted connection is closed with SO_LINGER 0 (RST, as nmap -sT: S → SA → A → RA).
   * ids[k] is what the result reports.
   */
  start(address: string, ports: Uint16Array, ids: Uint32Array, count: number, timeoutMs: number): void;
  /** attempts started and not yet reported */
  readonly inFlight: number;
  /** closes every socket still connecting (no results for them) and joins the threads; idempotent */
  close(): void;
}

/** errnos[k]: 0 connected, -1 timed out, else the errno getsockopt(SO_ERROR)/connect gave; elapsedUs[k] from start to result */
export type ConnectResults = (ids: Uint32Array, errnos: Int32Array, elapsedUs: Float64Array, count: number) => void;

export interface NativeLayer {
  /** µs since the epoch, CLOCK_REALTIME */
  now(): number;
  /** fixes glibc's mmap threshold at 128 KiB for the whole process (nothing elsewhere) */
  mapLargeAllocations(): void;
  PacketSocket: {
    /**
     * Opens the socket on a native thread of its own (setting the ring waits for a kernel RCU grace period, ~10 ms;
     * opens at the same time share it) and resolves with it, its threads running. Bad arguments throw a
     * TypeError/RangeError at once; a failed open rejects with Error(errno text) and `code` (EPERM, ENODEV…), or
     * "bad capture filter: <libpcap's message>".
     */
    open(iface: string, filter: string, options: PacketSocketOptions): Promise<PacketSocket>;
  };
  /**
   * The ring's block size: the kernel hands blocks over when full or after a 1 ms timeout. A snaplen longer than
   * a block gets blocks of twice the size, until one holds a whole frame.
   */
  readonly ringBlockBytes: number;
  RawIpSocket: new (ipVersion: 4 | 6, dstAddress: string, onError: (message: string) => void) => RawIpSocket;
  ConnectEngine: new (onResults: ConnectResults, onError: (message: string) => void) => ConnectEngine;
  /** libpcap's compile of `filter` for Ethernet, as PacketSocket does it; throws libpcap's message. For tests and errors. */
  compileFilter(filter: string, snaplen: number): number;
}
