import {
  ARP_OP_REPLY,
  BROADCAST_MAC,
  buildArpRequest,
  buildNeighborSolicitation,
  decodeFrame,
  ICMPV6_NEIGHBOR_ADVERTISEMENT,
  isIpv6Address,
  type DecodedFrame,
} from '../wire';
import { UserError } from '../base/errors';
import type { DiscoveredHost } from '../protocol';
import { LiveCapture } from './capture';
import { advertisedMac } from './ndp';
import { neighbourFromArpTable, type Route } from './route';
import { neighbourFromNdpTable } from './route6';

export interface SweepPacing {
  /** probes per second */
  rate: number;
  /** rounds: addresses that have not answered are asked again */
  rounds: number;
  /** wait after the last probe of a round for late answers */
  settleMs: number;
}

/** What a captured frame shows of one swept address: it is up, and how that was found. */
export type HostAnswer = Omit<DiscoveredHost, 'rttMs'>;

/** The probes a sweep sends to every address, and how their answers are recognised. */
export interface HostProbes {
  /**
   * One builder per probe, in sending order: each makes the frame to `dstIp`, the `seq`th address of the
   * sweep, with `dstMac` as its Ethernet destination (the gateway's beyond a gateway; broadcast on the
   * local link, where the host's own MAC is what ARP asks for).
   */
  frames: readonly ((dstIp: string, seq: number, dstMac: string) => Uint8Array)[];
  /** a libpcap filter that lets the answers through; it is compiled as given, so built from validated addresses only */
  answerFilter: string;
  /** the address a captured frame shows to be up, or undefined when it answers none of the probes */
  answerOf(frame: DecodedFrame): HostAnswer | undefined;
}

/** Sends `count` probes at `rate` per second, stopping early when `signal` aborts. */
async function paced(count: number, rate: number, signal: AbortSignal | undefined, send: (i: number) => void): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < count && !signal?.aborted; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    else if (i % 64 === 0) await new Promise((r) => setImmediate(r));
    send(i);
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** One sweep's sending rounds and the hosts its answers showed up. */
class Sweep {
  private readonly index: Map<string, number>;
  private readonly sentAt = new Map<string, number>();
  private readonly found = new Map<string, DiscoveredHost>();

  constructor(
    private readonly addresses: string[],
    private readonly probes: HostProbes,
  ) {
    this.index = new Map(addresses.map((a, i) => [a, i]));
  }

  /** Counts an answer only from an address of the sweep that was asked, once. */
  receive(frame: DecodedFrame): void {
    const answer = this.probes.answerOf(frame);
    if (!answer || !this.index.has(answer.address) || this.found.has(answer.address)) return;
    const sent = this.sentAt.get(answer.address);
    if (sent === undefined) return;
    const { address, mac, method } = answer;
    this.found.set(address, { address, ...(mac !== undefined ? { mac } : {}), rttMs: round(performance.now() - sent), method });
  }

  /** Asks every address that has not answered yet, round after round; the rate counts every probe frame. */
  async run(capture: LiveCapture, dstMac: string, pacing: SweepPacing, signal: AbortSignal | undefined): Promise<void> {
    const { frames } = this.probes;
    for (let r = 0; r < pacing.rounds && !signal?.aborted; r++) {
      const pending = this.addresses.filter((a) => !this.found.has(a));
      if (pending.length === 0) break;
      await paced(pending.length, pacing.rate / frames.length, signal, (i) => {
        const dstIp = pending[i]!;
        const seq = this.index.get(dstIp)!;
        this.sentAt.set(dstIp, performance.now());
        for (const frame of frames) capture.send(frame(dstIp, seq, dstMac));
      });
      await sleep(pacing.settleMs, signal);
    }
  }

  /** The hosts found, in the order of the sweep's addresses. */
  hosts(): DiscoveredHost[] {
    return this.addresses.flatMap((a) => (this.found.has(a) ? [this.found.get(a)!] : []));
  }
}

/** Sweeps addresses on `route.iface`'s own subnet: the frames go out as they are (ARP broadcast, neighbour solicitations to each address's multicast group). */
export async function sweepOnLink(route: Route, addresses: string[], probes: HostProbes, pacing: SweepPacing, signal?: AbortSignal): Promise<DiscoveredHost[]> {
  const sweep = new Sweep(addresses, probes);
  const capture = await LiveCapture.open(route.iface, probes.answerFilter, (frame) => {
    const decoded = decodeFrame(frame);
    if (decoded) sweep.receive(decoded);
  });
  try {
    await sweep.run(capture, BROADCAST_MAC, pacing, signal);
  } finally {
    capture.close();
  }
  return sweep.hosts();
}

/**
 * Sweeps addresses behind `route.nextHop`: the frames go to the gateway's MAC, taken from the ARP (IPv6:
 * neighbour) table or asked for on the sweep's own capture (which also lets ARP or advertisements through for that).
 */
export async function sweepViaGateway(
  route: Route,
  addresses: string[],
  probes: HostProbes,
  pacing: SweepPacing,
  signal?: AbortSignal,
): Promise<DiscoveredHost[]> {
  const sweep = new Sweep(addresses, probes);
  const neighbour = neighbourDiscovery(route);
  let gatewayMac: ((mac: string) => void) | undefined;
  const capture = await LiveCapture.open(route.iface, `(${neighbour.filter}) or (${probes.answerFilter})`, (frame) => {
    const decoded = decodeFrame(frame);
    if (!decoded) return;
    const mac = neighbour.answerOf(frame, decoded);
    if (mac) gatewayMac?.(mac);
    sweep.receive(decoded);
  });
  try {
    const dstMac = neighbour.cached() ?? (await askGatewayMac(route, capture, neighbour, (w) => (gatewayMac = w)));
    await sweep.run(capture, dstMac, pacing, signal);
  } finally {
    capture.close();
  }
  return sweep.hosts();
}

/** How the gateway's MAC is found: ARP over IPv4, neighbour discovery over IPv6. */
interface NeighbourDiscovery {
  /** the kernel's own entry for the gateway, when it has one */
  cached(): string | undefined;
  request: Uint8Array;
  /** a libpcap filter letting the answers through */
  filter: string;
  /** the gateway's MAC when `frame` is its answer */
  answerOf(frame: Uint8Array, decoded: DecodedFrame): string | undefined;
  protocol: string;
}

function neighbourDiscovery(route: Route): NeighbourDiscovery {
  const asked = { srcMac: route.srcMac, srcIp: route.srcIp, targetIp: route.nextHop };
  if (isIpv6Address(route.nextHop))
    return {
      cached: () => neighbourFromNdpTable(route.nextHop, route.iface),
      request: buildNeighborSolicitation(asked),
      filter: `icmp6 and ip6[40] == ${ICMPV6_NEIGHBOR_ADVERTISEMENT}`,
      answerOf: (frame) => advertisedMac(frame, route.nextHop),
      protocol: 'neighbour advertisement',
    };
  return {
    cached: () => neighbourFromArpTable(route.nextHop, route.iface),
    request: buildArpRequest(asked),
    filter: 'arp',
    answerOf: (_frame, { arp }) => (arp?.op === ARP_OP_REPLY && arp.senderIp === route.nextHop ? arp.senderMac : undefined),
    protocol: 'ARP answer',
  };
}

const GATEWAY_ASK_ATTEMPTS = 3;
const GATEWAY_ASK_WAIT_MS = 500;

async function askGatewayMac(route: Route, capture: LiveCapture, neighbour: NeighbourDiscovery, onReply: (w: (mac: string) => void) => void): Promise<string> {
  for (let attempt = 0; attempt < GATEWAY_ASK_ATTEMPTS; attempt++) {
    const mac = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), GATEWAY_ASK_WAIT_MS);
      onReply((m) => (clearTimeout(timer), resolve(m)));
      capture.send(neighbour.request);
    });
    if (mac) return mac;
  }
  throw new UserError(`no ${neighbour.protocol} from the gateway ${route.nextHop} on ${route.iface}`);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
