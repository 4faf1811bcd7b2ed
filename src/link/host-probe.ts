import { ARP_OP_REPLY, BROADCAST_MAC, buildArpRequest, decodeFrame, type DecodedFrame } from '../wire';
import { UserError } from '../base/errors';
import type { DiscoveredHost } from '../protocol';
import { LiveCapture } from './capture';
import { neighbourFromArpTable, type Route } from './route';

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

/** Sweeps addresses on `route.iface`'s own subnet: the frames go out as they are, broadcast at Ethernet level. */
export async function sweepOnLink(route: Route, addresses: string[], probes: HostProbes, pacing: SweepPacing, signal?: AbortSignal): Promise<DiscoveredHost[]> {
  const sweep = new Sweep(addresses, probes);
  const capture = new LiveCapture(route.iface, probes.answerFilter, (frame) => {
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
 * Sweeps addresses behind `route.nextHop`: the frames go to the gateway's MAC, taken from the ARP table
 * or asked for on the sweep's own capture (which also lets ARP through for that).
 */
export async function sweepViaGateway(
  route: Route,
  addresses: string[],
  probes: HostProbes,
  pacing: SweepPacing,
  signal?: AbortSignal,
): Promise<DiscoveredHost[]> {
  const sweep = new Sweep(addresses, probes);
  let gatewayMac: ((mac: string) => void) | undefined;
  const capture = new LiveCapture(route.iface, `arp or (${probes.answerFilter})`, (frame) => {
    const decoded = decodeFrame(frame);
    if (!decoded) return;
    if (decoded.arp?.op === ARP_OP_REPLY && decoded.arp.senderIp === route.nextHop) gatewayMac?.(decoded.arp.senderMac);
    sweep.receive(decoded);
  });
  try {
    const dstMac = neighbourFromArpTable(route.nextHop, route.iface) ?? (await askGatewayMac(route, capture, (w) => (gatewayMac = w)));
    await sweep.run(capture, dstMac, pacing, signal);
  } finally {
    capture.close();
  }
  return sweep.hosts();
}

const GATEWAY_ARP_ATTEMPTS = 3;
const GATEWAY_ARP_WAIT_MS = 500;

async function askGatewayMac(route: Route, capture: LiveCapture, onReply: (w: (mac: string) => void) => void): Promise<string> {
  for (let attempt = 0; attempt < GATEWAY_ARP_ATTEMPTS; attempt++) {
    const mac = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), GATEWAY_ARP_WAIT_MS);
      onReply((m) => (clearTimeout(timer), resolve(m)));
      capture.send(buildArpRequest({ srcMac: route.srcMac, srcIp: route.srcIp, targetIp: route.nextHop }));
    });
    if (mac) return mac;
  }
  throw new UserError(`no ARP answer from the gateway ${route.nextHop} on ${route.iface}`);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
