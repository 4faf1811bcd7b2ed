import { decodeFrame, IPPROTO_TCP } from '../wire';
import { AddressBook, fieldsOfDecoded, LAYER_ICMP, LAYER_TCP, PacketFields, readPacketFields } from './packet-fields';

/** What a captured frame is to a connect scan. */
export const CONNECT_FOREIGN = 0;
/** our kernel's TCP segment to a scanned port of the target */
export const CONNECT_OUT = 1;
/** the target's TCP segment from a scanned port */
export const CONNECT_IN = 2;
/** an ICMP or ICMPv6 error quoting our TCP segment to a scanned port */
export const CONNECT_ICMP_ERROR = 3;

/**
 * Reads the frames a connect scan's capture sees: the kernel's handshakes with the target and the ICMP errors
 * they draw. Every frame is read into one reused PacketFields, straight from its bytes where it can be
 * (readPacketFields) and through decodeFrame otherwise (an ICMP error from a router, IPv6 extension headers),
 * so the kernel's 2–4 frames per port allocate nothing.
 */
export class ConnectFrameReader {
  readonly fields = new PacketFields();
  readonly addresses = new AddressBook();
  readonly usId: number;
  readonly targetId: number;
  /** the scanned port's index in the scan's port list, after a read that returned anything but CONNECT_FOREIGN */
  index = -1;

  /**
   * `indexOfPort[port]` is the port's index in the scan's port list, -1 for a port not scanned; `us` and
   * `target` are in the text form decoded packets carry (dotted quad, RFC 5952). On `lo` they are one address.
   */
  constructor(
    private readonly indexOfPort: Int32Array,
    us: string,
    target: string,
  ) {
    this.usId = this.addresses.add(us);
    this.targetId = this.addresses.add(target);
  }

  read(frame: Uint8Array): number {
    const f = this.fields;
    if (!readPacketFields(frame, f, this.addresses) && !this.decodeInto(frame)) return CONNECT_FOREIGN;
    return this.classifyFields();
  }

  /** The slow path alone, for the test that holds both paths to the same reading. */
  readDecoded(frame: Uint8Array): number {
    return this.decodeInto(frame) ? this.classifyFields() : CONNECT_FOREIGN;
  }

  private decodeInto(frame: Uint8Array): boolean {
    const d = decodeFrame(frame);
    return d !== undefined && fieldsOfDecoded(d, this.fields, this.addresses);
  }

  private classifyFields(): number {
    const f = this.fields;
    const ports = this.indexOfPort;
    if (f.layer === LAYER_ICMP) {
      if (!f.quoted || f.qProtocol !== IPPROTO_TCP || f.qSrcId !== this.usId || f.qDstId !== this.targetId || f.qDstPort < 0) return CONNECT_FOREIGN;
      this.index = ports[f.qDstPort]!;
      return this.index < 0 ? CONNECT_FOREIGN : CONNECT_ICMP_ERROR;
    }
    if (f.layer !== LAYER_TCP) return CONNECT_FOREIGN;
    // On lo both ends share one address, so the scanned port tells the direction.
    if (f.srcId === this.usId && f.dstId === this.targetId && ports[f.dstPort]! >= 0) {
      this.index = ports[f.dstPort]!;
      return CONNECT_OUT;
    }
    if (f.srcId === this.targetId && f.dstId === this.usId && ports[f.srcPort]! >= 0) {
      this.index = ports[f.srcPort]!;
      return CONNECT_IN;
    }
    return CONNECT_FOREIGN;
  }
}
