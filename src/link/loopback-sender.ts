import { UserError } from '../base/errors';
import { loadNativeLayer } from './native-addon';
import type { RawIpSocket } from './native-layer';
import { missingCapNetRaw } from './privilege';

/**
 * Sends bare IPv4 or IPv6 packets to one address through the kernel's routing (the native layer's RawIpSocket:
 * IPPROTO_RAW, so our own IP header goes out as built; Linux sets hdrincl for IPv6 IPPROTO_RAW too). Needed for
 * targets on this host: frames injected on `lo` with a packet socket are dropped as martians, packets from a
 * raw socket are not.
 *
 * send() sends inside the call; sendBatch() hands the packets to the native send thread. A packet the kernel
 * refuses (ENOBUFS…) is lost as on a busy link and counted in the socket's stats: its retransmission covers it.
 */
export class LoopbackSender {
  private readonly socket: RawIpSocket;

  constructor(ipVersion: 4 | 6, address: string, onLost: (err: UserError) => void) {
    const native = loadNativeLayer();
    try {
      this.socket = new native.RawIpSocket(ipVersion, address, (message) =>
        onLost(new UserError(`sending to ${address} failed: ${message}`, 'interface-unusable')),
      );
    } catch (err) {
      const { message, code } = err as NodeJS.ErrnoException;
      if (code === 'EPERM' || code === 'EACCES') throw missingCapNetRaw('sending raw packets');
      throw new UserError(`cannot send raw packets to ${address}: ${message}`);
    }
  }

  /** Sends one packet and returns when it went to the kernel (µs since the epoch, the capture's clock). */
  send(packet: Uint8Array): number {
    return this.socket.send(packet);
  }

  /** As LiveCapture.sendBatch: the packets are copied to the send thread's queue; -1 when it is full. */
  sendBatch(data: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number {
    return this.socket.sendBatch(data, offsets, lengths, count);
  }

  /** packets sendBatch queued that the send thread has not yet handed to the kernel */
  get queued(): number {
    return this.socket.stats().queued;
  }

  close(): void {
    this.socket.close();
  }
}
