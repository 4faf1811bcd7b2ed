import {
  buildArpRequest,
  buildNeighborSolicitation,
  canonicalIpv6,
  decodeFrame,
  encodeEthernet,
  ETHERNET_HEADER_LENGTH,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  isIpv6Address,
  ZERO_MAC,
} from '../wire';
import { ArpResponder, isArpFrame } from './arp-responder';
import { UserError } from '../base/errors';
import { LiveCapture } from './capture';
import { LoopbackSender } from './loopback-sender';
import type { OutgoingFrames } from './outgoing-frames';
import { advertisedMac, isNeighborAdvertisementFrame } from './ndp';
import { findRoute, neighbourFromArpTable, type Route } from './route';
import { neighbourFromNdpTable, splitZone } from './route6';

/** ARP requests or neighbour solicitations for the next hop, and how long each waits for its answer */
const NEIGHBOUR_ATTEMPTS = 3;
const NEIGHBOUR_WAIT_MS = 500;
const KNOWN_NEIGHBOUR_WAIT_MS = 50;

/**
 * A path to one target for raw techniques: injects probes and hands every captured frame back. Times are
 * µs since the epoch on the capture's clock (LiveCapture): a probe's is when it went to the kernel, an
 * answer's when the kernel captured it.
 */
export interface RawChannel {
  readonly route: Route;
  readonly dstMac: string;
  /** the target's own MAC, when it is on-link (the next hop is the target) */
  readonly targetMac?: string;
  /** round trip of an ARP (IPv4) or neighbour discovery (IPv6) exchange with the target itself (on-link targets only), ms */
  readonly arpRttMs?: number;
  /** sends a bare IP packet of the target's version; returns the Ethernet frame as it goes on the wire (for the pcap) and when it went */
  send(packet: Uint8Array): { frame: Uint8Array; sentAt: number };
  /** sends an Ethernet frame built for this channel (source MAC route.srcMac, destination dstMac); returns when it went */
  sendFrame(frame: Uint8Array): number;
  /**
   * Queues every frame of `batch` (Ethernet frames built as for sendFrame) for the native send thread, which sends
   * them in order as fast as the kernel takes them; returns when they were queued (µs, the capture's clock), or -1
   * when the queue is full (nothing queued: keep the batch and call again after a turn). The frames are copied:
   * the batch may be cleared and refilled at once.
   */
  sendFrames(batch: OutgoingFrames): number;
  /**
   * `queued`: frames sendFrames queued that the send thread has not yet handed to the kernel (it counts whole
   * batches); `dropped`: frames the capture's ring had no room for since the channel opened (JS fell behind)
   */
  pipeline(): { queued: number; dropped: number };
  /** resolves once every frame captured until now has reached onFrame (LiveCapture.drain) */
  drain(): Promise<void>;
  close(): void;
}

/** What a channel hands back to its scan. */
export interface ChannelListener {
  /** every captured frame, with its capture time */
  onFrame(frame: Uint8Array, capturedAt: number): void;
  /**
   * every frame the channel sends on its own (ARP requests or neighbour solicitations for the next hop,
   * ARP replies for extra sources), as it went on the wire: injected frames are not captured back, so this is the pcap's only
   * sight of them. Called right after the send, before any answer to it is handed to onFrame.
   */
  onInjected?(frame: Uint8Array, sentAt: number): void;
  /** once: the interface went down or vanished; sending then does nothing */
  onLost?(err: UserError): void;
}

/** Extra source addresses (--source-ips, already checked unused and on the interface's subnet). */
export interface ExtraSources {
  addresses: readonly string[];
}

export interface ChannelOptions {
  extra?: ExtraSources;
  /** the capture's ring (capture.ts's scanRingBytes): SCAN_RING_BYTES when not said */
  ringBytes?: number;
}

/** The source ports of one scan's probes: answers come back to them, our kernel's packets leave from them. */
export interface PortSpan {
  first: number;
  last: number;
}

/**
 * BPF filter from validated addresses (dotted quads, RFC 5952 IPv6 text) and integer ports only. TCP and
 * UDP only to or from the scan's own source ports: on `lo` every scan of this host shares one address, and
 * a filter by address alone handed each scan's ring every other scan's traffic too. ICMP errors about our probes may come
 * from a router, so ICMP to any of our sources is captured whatever its source.
 */
function captureFilter(target: string, sources: readonly string[], ports: PortSpan): string {
  if (!(Number.isInteger(ports.first) && Number.isInteger(ports.last) && ports.first >= 1 && ports.first <= ports.last && ports.last <= 65535))
    throw new RangeError(`bad source port span ${ports.first}-${ports.last}`);
  const toUs = sources.map((s) => `dst host ${s}`).join(' or ');
  const portrange = `portrange ${ports.first}-${ports.last}`;
  // IPv6: ICMPv6 carries the errors and neighbour discovery alike (the next hop's advertisement comes to our
  // source address, the target's solicitations for us come from it); there is no ARP. BPF's tcp, udp and
  // portrange read only the fixed header's next header, so a segment behind a fragment header (44: an idle
  // scan's zombie answers with atomic fragments) is taken whole, its ports left to the decoder.
  return isIpv6Address(target)
    ? `(ip6 host ${target} and (((tcp or udp) and ${portrange}) or icmp6 or ip6[6] == 44)) or (icmp6 and (${toUs}))`
    : `arp or (host ${target} and (((tcp or udp) and ${portrange}) or icmp)) or (icmp and (${toUs}))`;
}

/**
 * Opens the capture of the target's traffic to and from `ourPorts` on its outgoing interface, resolves the
 * next hop's MAC (ARP, or neighbour discovery for an IPv6 target), and is ready to send.
 */
export async function openRawChannel(
  target: string,
  ifaceOverride: string | undefined,
  ourPorts: PortSpan,
  listener: ChannelListener,
  { extra, ringBytes }: ChannelOptions = {},
): Promise<RawChannel> {
  const route = findRoute(target, ifaceOverride);
  const v6 = isIpv6Address(target);
  // the target as packets and the capture filter write it: RFC 5952, no zone
  const address = v6 ? canonicalIpv6(splitZone(target).address) : target;
  let neighbourWaiter: ((frame: Uint8Array) => void) | undefined;
  let responder: ArpResponder | undefined;
  const capture = await LiveCapture.open(
    route.iface,
    captureFilter(address, extra ? extra.addresses : [route.srcIp], ourPorts),
    (frame, capturedAt) => {
      // The question first, then the answer: the pcap shows them in the order they were on the wire.
      listener.onFrame(frame, capturedAt);
      if (isArpFrame(frame)) {
        neighbourWaiter?.(frame);
        responder?.onArp(frame);
      } else if (isNeighborAdvertisementFrame(frame)) {
        neighbourWaiter?.(frame);
      }
    },
    listener.onLost,
    ringBytes,
  );
  const inject = (frame: Uint8Array) => listener.onInjected?.(frame, capture.send(frame));
  // Only the next hop's questions: with several targets scanned at once, each channel answers its own.
  if (extra && !route.loopback) responder = new ArpResponder(route.srcMac, extra.addresses, route.nextHop, inject);
  try {
    const etherType = v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
    if (route.loopback) {
      const sender = new LoopbackSender(v6 ? 6 : 4, address, (err) => listener.onLost?.(err));
      const stripped = new StrippedOffsets();
      return {
        route,
        dstMac: ZERO_MAC,
        send(packet) {
          const sentAt = sender.send(packet);
          return { frame: encodeEthernet(ZERO_MAC, ZERO_MAC, etherType, packet), sentAt };
        },
        sendFrame: (frame) => sender.send(frame.subarray(ETHERNET_HEADER_LENGTH)),
        sendFrames(batch) {
          const { offsets, lengths } = stripped.of(batch);
          return sender.sendBatch(batch.data, offsets, lengths, batch.count);
        },
        pipeline: () => ({ queued: sender.queued, dropped: capture.stats().dropped }),
        drain: () => capture.drain(),
        close() {
          sender.close();
          capture.close();
        },
      };
    }
    // Asked even when the neighbour table knows the MAC: the answer's round trip is the scan's first RTT
    // sample, which behind a firewall that drops every probe would otherwise never come and leave the
    // timeout at its initial second (nmap pings first for the same reason). A known neighbour waits briefly.
    const known = v6 ? neighbourFromNdpTable(route.nextHop, route.iface) : neighbourFromArpTable(route.nextHop, route.iface);
    const asked = await resolveNextHop(
      route,
      v6,
      inject,
      (w) => {
        neighbourWaiter = w;
      },
      known ? 1 : NEIGHBOUR_ATTEMPTS,
      known ? KNOWN_NEIGHBOUR_WAIT_MS : NEIGHBOUR_WAIT_MS,
    );
    neighbourWaiter = undefined;
    const dstMac = asked?.mac ?? known;
    if (dstMac === undefined)
      throw new UserError(`no ${v6 ? 'neighbour advertisement' : 'ARP answer'} from ${route.nextHop} on ${route.iface}: is the host up?`);
    return {
      route,
      dstMac,
      ...(route.nextHop === address ? { targetMac: dstMac } : {}),
      ...(asked && route.nextHop === address ? { arpRttMs: asked.rttMs } : {}),
      send(packet) {
        const frame = encodeEthernet(dstMac, route.srcMac, etherType, packet);
        return { frame, sentAt: capture.send(frame) };
      },
      sendFrame: (frame) => capture.send(frame),
      sendFrames: (batch) => capture.sendBatch(batch.data, batch.offsets, batch.lengths, batch.count),
      pipeline() {
        const { queued, dropped } = capture.stats();
        return { queued, dropped };
      },
      drain: () => capture.drain(),
      close: () => capture.close(),
    };
  } catch (err) {
    capture.close();
    throw err;
  }
}

/**
 * The IP packets inside a batch of Ethernet frames, for the raw IP socket of a target on this host: the same
 * bytes, each frame's offset moved past its Ethernet header. The arrays are reused from batch to batch.
 */
class StrippedOffsets {
  private offsets = new Uint32Array(0);
  private lengths = new Uint32Array(0);

  of(batch: OutgoingFrames): { offsets: Uint32Array; lengths: Uint32Array } {
    if (this.offsets.length < batch.count) {
      this.offsets = new Uint32Array(batch.capacity);
      this.lengths = new Uint32Array(batch.capacity);
    }
    for (let k = 0; k < batch.count; k++) {
      // A frame shorter than its Ethernet header goes as an empty packet, which the kernel refuses and counts.
      const header = Math.min(ETHERNET_HEADER_LENGTH, batch.lengths[k]!);
      this.offsets[k] = batch.offsets[k]! + header;
      this.lengths[k] = batch.lengths[k]! - header;
    }
    return { offsets: this.offsets, lengths: this.lengths };
  }
}

/** The MAC an ARP reply gives for `ip`, or undefined when the frame is not one from it. */
function arpReplyMac(frame: Uint8Array, ip: string): string | undefined {
  const arp = decodeFrame(frame)?.arp;
  return arp && arp.op === 2 && arp.senderIp === ip ? arp.senderMac : undefined;
}

/** Asks for the next hop's MAC: an ARP request, or an IPv6 neighbour solicitation to its solicited-node group. */
async function resolveNextHop(
  route: Route,
  v6: boolean,
  inject: (frame: Uint8Array) => void,
  setWaiter: (w: (frame: Uint8Array) => void) => void,
  attempts: number,
  waitMs: number,
): Promise<{ mac: string; rttMs: number } | undefined> {
  const question = { srcMac: route.srcMac, srcIp: route.srcIp, targetIp: route.nextHop };
  const request = v6 ? buildNeighborSolicitation(question) : buildArpRequest(question);
  const macOf = v6 ? advertisedMac : arpReplyMac;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const sentAt = performance.now();
    const mac = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      setWaiter((frame) => {
        const answered = macOf(frame, route.nextHop);
        if (answered) {
          clearTimeout(timer);
          resolve(answered);
        }
      });
      inject(request);
    });
    if (mac) return { mac, rttMs: performance.now() - sentAt };
  }
  return undefined;
}
