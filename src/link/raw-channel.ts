import { buildArpRequest, decodeFrame, encodeEthernet, ETHERTYPE_IPV4, ZERO_MAC } from '../engine/packet';
import { UserError } from '../engine/errors';
import { LiveCapture } from './capture';
import { LoopbackSender } from './loopback-sender';
import { findRoute, neighbourFromArpTable, type Route } from './route';

const ARP_ATTEMPTS = 3;
const ARP_WAIT_MS = 500;

/** A path to one target for raw techniques: injects probes and hands every captured frame back. */
export interface RawChannel {
  readonly route: Route;
  readonly dstMac: string;
  /** sends a bare IPv4 packet; returns the Ethernet frame as it goes on the wire (for the pcap) */
  send(packet: Uint8Array): Uint8Array;
  close(): void;
}

/**
 * BPF filter from validated dotted quads only. ICMP errors about our probes may come from a router,
 * so ICMP to us is captured whatever its source.
 */
function captureFilter(target: string, srcIp: string): string {
  return `arp or (host ${target} and (tcp or udp or icmp)) or (icmp and dst host ${srcIp})`;
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
): Promise<RawChannel> {
  const route = findRoute(target, ifaceOverride);
  let arpWaiter: ((frame: Uint8Array) => void) | undefined;
  const capture = new LiveCapture(
    route.iface,
    captureFilter(target, route.srcIp),
    (frame) => {
      arpWaiter?.(frame);
      onFrame(frame);
    },
    onLost,
  );
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
        close() {
          sender.close();
          capture.close();
        },
      };
    }
    const dstMac =
      neighbourFromArpTable(route.nextHop, route.iface) ??
      (await resolveByArp(route, capture, (w) => {
        arpWaiter = w;
      }));
    arpWaiter = undefined;
    return {
      route,
      dstMac,
      send(packet) {
        const frame = encodeEthernet(dstMac, route.srcMac, ETHERTYPE_IPV4, packet);
        capture.send(frame);
        return frame;
      },
      close: () => capture.close(),
    };
  } catch (err) {
    capture.close();
    throw err;
  }
}

async function resolveByArp(route: Route, capture: LiveCapture, setWaiter: (w: (frame: Uint8Array) => void) => void): Promise<string> {
  const request = buildArpRequest({ srcMac: route.srcMac, srcIp: route.srcIp, targetIp: route.nextHop });
  for (let attempt = 0; attempt < ARP_ATTEMPTS; attempt++) {
    const mac = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ARP_WAIT_MS);
      setWaiter((frame) => {
        const arp = decodeFrame(frame)?.arp;
        if (arp && arp.op === 2 && arp.senderIp === route.nextHop) {
          clearTimeout(timer);
          resolve(arp.senderMac);
        }
      });
      capture.send(request);
    });
    if (mac) return mac;
  }
  throw new UserError(`no ARP answer from ${route.nextHop} on ${route.iface}: is the host up?`);
}
