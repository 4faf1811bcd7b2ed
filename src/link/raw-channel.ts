import { buildArpRequest, decodeFrame, encodeEthernet, ETHERNET_HEADER_LENGTH, ETHERTYPE_IPV4, ZERO_MAC } from '../engine/packet';
import { ArpResponder, isArpFrame } from './arp-responder';
import { UserError } from '../engine/errors';
import { LiveCapture } from './capture';
import { LoopbackSender } from './loopback-sender';
import { findRoute, neighbourFromArpTable, type Route } from './route';

const ARP_ATTEMPTS = 3;
const ARP_WAIT_MS = 500;
const KNOWN_NEIGHBOUR_WAIT_MS = 50;

/** A path to one target for raw techniques: injects probes and hands every captured frame back. */
export interface RawChannel {
  readonly route: Route;
  readonly dstMac: string;
  /** round trip of an ARP exchange with the target itself (on-link targets only), ms */
  readonly arpRttMs?: number;
  /** sends a bare IPv4 packet; returns the Ethernet frame as it goes on the wire (for the pcap) */
  send(packet: Uint8Array): Uint8Array;
  /** sends an Ethernet frame built for this channel (source MAC route.srcMac, destination dstMac) */
  sendFrame(frame: Uint8Array): void;
  close(): void;
}

/** Extra source addresses (--source-ips, already checked unused and on the interface's subnet). */
export interface ExtraSources {
  addresses: readonly string[];
  /** each ARP reply sent for them, as it went on the wire (for the pcap) */
  onArpReply?(frame: Uint8Array): void;
}

/**
 * BPF filter from validated dotted quads only. ICMP errors about our probes may come from a router,
 * so ICMP to any of our sources is captured whatever its source.
 */
function captureFilter(target: string, sources: readonly string[]): string {
  return `arp or (host ${target} and (tcp or udp or icmp)) or (icmp and (${sources.map((s) => `dst host ${s}`).join(' or ')}))`;
}

/**
 * Opens the capture on the target's outgoing interface, resolves the next hop's MAC, and is ready to
 * send. `onLost` hears once that the interface went down or vanished; sending then does nothing.
 */
export async function openRawChannel(
  target: string,
  ifaceOverride: string | undefined,
  onFrame: (frame: Uint8Array) => void,
  onLost?: (err: UserError) => void,
  extra?: ExtraSources,
): Promise<RawChannel> {
  const route = findRoute(target, ifaceOverride);
  let arpWaiter: ((frame: Uint8Array) => void) | undefined;
  let responder: ArpResponder | undefined;
  const capture = new LiveCapture(
    route.iface,
    captureFilter(target, extra ? extra.addresses : [route.srcIp]),
    (frame) => {
      // The question first, then the answer: the pcap shows them in the order they were on the wire.
      onFrame(frame);
      if (isArpFrame(frame)) {
        arpWaiter?.(frame);
        responder?.onArp(frame);
      }
    },
    onLost,
  );
  // Only the next hop's questions: with several targets scanned at once, each channel answers its own.
  if (extra && !route.loopback) responder = new ArpResponder(route.srcMac, extra.addresses, route.nextHop, (f) => (capture.send(f), extra.onArpReply?.(f)));
  try {
    if (route.loopback) {
      const sender = new LoopbackSender();
      return {
        route,
        dstMac: ZERO_MAC,
        send(packet) {
          sender.send(packet, target);
          return encodeEthernet(ZERO_MAC, ZERO_MAC, ETHERTYPE_IPV4, packet);
        },
        sendFrame(frame) {
          // A copy: the raw socket sends later, and the caller may rewrite its frame right away.
          sender.send(frame.slice(ETHERNET_HEADER_LENGTH), target);
        },
        close() {
          sender.close();
          capture.close();
        },
      };
    }
    // Asked even when the neighbour table knows the MAC: the answer's round trip is the scan's first RTT
    // sample, which behind a firewall that drops every probe would otherwise never come and leave the
    // timeout at its initial second (nmap pings first for the same reason). A known neighbour waits briefly.
    const known = neighbourFromArpTable(route.nextHop, route.iface);
    const asked = await resolveByArp(
      route,
      capture,
      (w) => {
        arpWaiter = w;
      },
      known ? 1 : ARP_ATTEMPTS,
      known ? KNOWN_NEIGHBOUR_WAIT_MS : ARP_WAIT_MS,
    );
    arpWaiter = undefined;
    const dstMac = asked?.mac ?? known;
    if (dstMac === undefined) throw new UserError(`no ARP answer from ${route.nextHop} on ${route.iface}: is the host up?`);
    return {
      route,
      dstMac,
      ...(asked && route.nextHop === target ? { arpRttMs: asked.rttMs } : {}),
      send(packet) {
        const frame = encodeEthernet(dstMac, route.srcMac, ETHERTYPE_IPV4, packet);
        capture.send(frame);
        return frame;
      },
      sendFrame: (frame) => capture.send(frame),
      close: () => capture.close(),
    };
  } catch (err) {
    capture.close();
    throw err;
  }
}

async function resolveByArp(
  route: Route,
  capture: LiveCapture,
  setWaiter: (w: (frame: Uint8Array) => void) => void,
  attempts: number,
  waitMs: number,
): Promise<{ mac: string; rttMs: number } | undefined> {
  const request = buildArpRequest({ srcMac: route.srcMac, srcIp: route.srcIp, targetIp: route.nextHop });
  for (let attempt = 0; attempt < attempts; attempt++) {
    const sentAt = performance.now();
    const mac = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      setWaiter((frame) => {
        const arp = decodeFrame(frame)?.arp;
        if (arp && arp.op === 2 && arp.senderIp === route.nextHop) {
          clearTimeout(timer);
          resolve(arp.senderMac);
        }
      });
      capture.send(request);
    });
    if (mac) return { mac, rttMs: performance.now() - sentAt };
  }
  return undefined;
}
