import { randomInt } from 'node:crypto';
import { ARP_OP_REPLY, buildArpRequest, buildIcmpEchoFrame, buildTcpFrame, decodeFrame, ICMP_ECHO_REPLY, icmpEchoId, TCP_ACK, TCP_RST, TCP_SYN } from '../wire';
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

export const DEFAULT_PACING: SweepPacing = { rate: 2000, rounds: 2, settleMs: 1000 };

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

/**
 * ARP "who has" to each on-link address on `route.iface`, like `nmap -sn` on a LAN: a host is up
 * when it answers for its address. The filter is the constant "arp"; replies are matched in JS.
 */
export async function arpSweep(route: Route, addresses: string[], pacing: SweepPacing, signal?: AbortSignal): Promise<DiscoveredHost[]> {
  const sentAt = new Map<string, number>();
  const found = new Map<string, DiscoveredHost>();
  const capture = new LiveCapture(route.iface, 'arp', (frame) => {
    const arp = decodeFrame(frame)?.arp;
    if (!arp || arp.op !== ARP_OP_REPLY || arp.targetIp !== route.srcIp) return;
    const t = sentAt.get(arp.senderIp);
    if (t === undefined || found.has(arp.senderIp)) return;
    found.set(arp.senderIp, { address: arp.senderIp, mac: arp.senderMac, rttMs: round(performance.now() - t), method: 'arp' });
  });
  try {
    for (let round = 0; round < pacing.rounds && !signal?.aborted; round++) {
      const pending = addresses.filter((a) => !found.has(a));
      if (pending.length === 0) break;
      await paced(pending.length, pacing.rate, signal, (i) => {
        const targetIp = pending[i]!;
        sentAt.set(targetIp, performance.now());
        capture.send(buildArpRequest({ srcMac: route.srcMac, srcIp: route.srcIp, targetIp }));
      });
      await sleep(pacing.settleMs, signal);
    }
  } finally {
    capture.close();
  }
  return addresses.flatMap((a) => (found.has(a) ? [found.get(a)!] : []));
}

/**
 * For targets behind a gateway, nmap's default host discovery: ICMP echo, TCP SYN to 443 and TCP
 * ACK to 80; any answer from the address (echo reply, SYN/ACK or RST) means it is up. Captures only
 * ICMP and TCP addressed to our source address.
 */
export async function routedSweep(route: Route, addresses: string[], pacing: SweepPacing, signal?: AbortSignal): Promise<DiscoveredHost[]> {
  const echoId = randomInt(1, 0xffff);
  const srcPort = randomInt(40000, 60000);
  const index = new Map(addresses.map((a, i) => [a, i]));
  const sentAt = new Map<string, number>();
  const found = new Map<string, DiscoveredHost>();
  let gatewayMac: ((mac: string) => void) | undefined;
  const capture = new LiveCapture(route.iface, `arp or ((icmp or tcp) and dst host ${route.srcIp})`, (frame) => {
    const d = decodeFrame(frame);
    if (d?.arp?.op === ARP_OP_REPLY && d.arp.senderIp === route.nextHop) gatewayMac?.(d.arp.senderMac);
    const from = d?.ip?.src;
    if (!d || !from || !index.has(from) || found.has(from)) return;
    let method: DiscoveredHost['method'] | undefined;
    if (d.icmp && d.icmp.type === ICMP_ECHO_REPLY && icmpEchoId(d.icmp) === echoId) method = 'icmp-echo';
    else if (d.tcp && d.tcp.dstPort === srcPort && d.tcp.srcPort === 443 && d.tcp.flags & (TCP_SYN | TCP_RST)) method = 'tcp-syn-443';
    else if (d.tcp && d.tcp.dstPort === srcPort && d.tcp.srcPort === 80 && d.tcp.flags & TCP_RST) method = 'tcp-ack-80';
    if (method) found.set(from, { address: from, rttMs: round(performance.now() - (sentAt.get(from) ?? performance.now())), method });
  });
  try {
    const dstMac = neighbourFromArpTable(route.nextHop, route.iface) ?? (await askGatewayMac(route, capture, (w) => (gatewayMac = w)));
    const link = { srcMac: route.srcMac, dstMac, srcIp: route.srcIp };
    for (let r = 0; r < pacing.rounds && !signal?.aborted; r++) {
      const pending = addresses.filter((a) => !found.has(a));
      if (pending.length === 0) break;
      await paced(pending.length, pacing.rate / 3, signal, (i) => {
        const dstIp = pending[i]!;
        const seq = index.get(dstIp)!;
        sentAt.set(dstIp, performance.now());
        capture.send(buildIcmpEchoFrame({ ...link, dstIp, echoId, echoSeq: seq }));
        capture.send(buildTcpFrame({ ...link, dstIp, srcPort, dstPort: 443, seq: randomInt(0, 0xffffffff), flags: TCP_SYN, window: 1024 }));
        capture.send(buildTcpFrame({ ...link, dstIp, srcPort, dstPort: 80, seq: 0, ack: randomInt(0, 0xffffffff), flags: TCP_ACK, window: 1024 }));
      });
      await sleep(pacing.settleMs, signal);
    }
  } finally {
    capture.close();
  }
  return addresses.flatMap((a) => (found.has(a) ? [found.get(a)!] : []));
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
