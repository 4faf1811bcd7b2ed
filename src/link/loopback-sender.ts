import type * as RawSocketModule from 'raw-socket';
import { loadNative } from './native-addon';
import { missingCapNetRaw } from './privilege';

/** IPPROTO_RAW: a send-only raw socket that implies IP_HDRINCL, so our own IP header goes out as built. */
const IPPROTO_RAW = 255;

/**
 * Sends bare IPv4 or IPv6 packets through the kernel's routing. Needed for targets on this host: frames
 * injected on `lo` with libpcap are dropped as martians, packets from a raw socket are not. An IPv6 raw
 * socket of IPPROTO_RAW sends its header as given too (Linux sets hdrincl for it in inet6_create).
 *
 * Each packet goes out inside send(), by the addon's own sendto() (`wrap.send`): raw-socket's public
 * send() queues the packet and sends one per turn of the event loop, so a burst of probes left over
 * several turns, each later than the scan recorded. With four scans of 127.0.0.1 at once the loops
 * turned slowly enough that probes went out after their timeout had begun, and answered closed ports
 * were reported filtered (no-response).
 */
export class LoopbackSender {
  private readonly socket;
  failures = 0;

  constructor(ipVersion: 4 | 6) {
    try {
      const rawSocket = loadNative<typeof RawSocketModule>('raw-socket');
      const addressFamily = ipVersion === 6 ? rawSocket.AddressFamily.IPv6 : rawSocket.AddressFamily.IPv4;
      this.socket = rawSocket.createSocket({ addressFamily, protocol: IPPROTO_RAW });
    } catch {
      throw missingCapNetRaw('sending raw packets');
    }
    this.socket.on('error', () => this.failures++);
  }

  send(packet: Uint8Array, dstIp: string): void {
    const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    try {
      this.socket.wrap.send(buf, 0, buf.length, dstIp, ignoreSent);
    } catch {
      // ENOBUFS and the like: the probe is lost as on a busy link, and its retransmission covers it
      this.failures++;
    }
  }

  close(): void {
    this.socket.close();
  }
}

const ignoreSent = () => undefined;
