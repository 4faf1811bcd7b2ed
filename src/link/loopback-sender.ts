import type * as RawSocketModule from 'raw-socket';
import { loadNative } from './native-addon';
import { missingCapNetRaw } from './privilege';

/** IPPROTO_RAW: a send-only raw socket that implies IP_HDRINCL, so our own IP header goes out as built. */
const IPPROTO_RAW = 255;

/**
 * Sends bare IPv4 packets through the kernel's routing. Needed for targets on this host: frames
 * injected on `lo` with libpcap are dropped as martians, packets from a raw socket are not.
 */
export class LoopbackSender {
  private readonly socket;
  failures = 0;

  constructor() {
    try {
      this.socket = loadNative<typeof RawSocketModule>('raw-socket').createSocket({ protocol: IPPROTO_RAW });
    } catch {
      throw missingCapNetRaw('sending raw packets');
    }
    this.socket.on('error', () => this.failures++);
  }

  send(packet: Uint8Array, dstIp: string): void {
    const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    this.socket.send(buf, 0, buf.length, dstIp, null, (err) => {
      if (err) this.failures++;
    });
  }

  close(): void {
    this.socket.close();
  }
}
