import { protocolOf, tcpFlagLetters, type ExchangePacket, type PortResult, type Technique } from '../protocol';
import type { DecodedFrame } from './packet';
import type { Verdict } from './technique';

/** How long a decided port keeps collecting packets (the kernel's RST right after a SYN/ACK) before it is reported. */
export const LINGER_MS = 150;

const OPEN = 0;
const DECIDED = 1;
const REPORTED = 2;

/**
 * The verdicts and observed exchanges of one technique against one target, indexed like the port
 * list. Typed arrays keep a full-range scan small; exchanges exist only for ports that saw packets.
 */
export class PortBook {
  private readonly status: Uint8Array;
  private readonly ttl: Int16Array;
  private readonly decidedAt: Float64Array;
  private readonly verdicts: (Verdict | undefined)[];
  private readonly exchanges: (ExchangePacket[] | undefined)[];
  private readonly decidedQueue: number[] = [];
  private queueHead = 0;
  private readonly results: (PortResult | undefined)[];
  decided = 0;
  reported = 0;

  constructor(
    readonly technique: Technique,
    readonly target: string,
    readonly ports: readonly number[],
  ) {
    const n = ports.length;
    this.status = new Uint8Array(n);
    this.ttl = new Int16Array(n).fill(-1);
    this.decidedAt = new Float64Array(n);
    this.verdicts = new Array(n);
    this.exchanges = new Array(n);
    this.results = new Array(n);
  }

  isOpen(i: number): boolean {
    return this.status[i] === OPEN;
  }

  /** Adds a packet to port i's exchange, unless that port was already reported. */
  record(i: number, packet: ExchangePacket): void {
    if (this.status[i] === REPORTED) return;
    (this.exchanges[i] ??= []).push(packet);
  }

  /** The first verdict wins: duplicates and late answers never change a decided port. */
  decide(i: number, verdict: Verdict, now: number, ttl?: number): boolean {
    if (this.status[i] !== OPEN) return false;
    this.status[i] = DECIDED;
    this.verdicts[i] = verdict;
    this.decidedAt[i] = now;
    if (ttl !== undefined) this.ttl[i] = ttl;
    this.decided++;
    this.decidedQueue.push(i);
    return true;
  }

  /** Reports ports decided at least `lingerMs` ago (all of them when lingerMs is 0). */
  reportDue(now: number, lingerMs: number, report: (r: PortResult) => void): void {
    while (this.queueHead < this.decidedQueue.length) {
      const i = this.decidedQueue[this.queueHead]!;
      if (lingerMs > 0 && now - this.decidedAt[i]! < lingerMs) break;
      this.queueHead++;
      this.status[i] = REPORTED;
      const v = this.verdicts[i]!;
      const result: PortResult = {
        technique: this.technique,
        target: this.target,
        port: this.ports[i]!,
        protocol: protocolOf(this.technique),
        state: v.state,
        reason: v.reason,
        exchange: this.exchanges[i] ?? [],
      };
      if (this.ttl[i]! >= 0) result.reasonTtl = this.ttl[i]!;
      this.results[i] = result;
      this.exchanges[i] = undefined;
      this.reported++;
      report(result);
    }
    if (this.queueHead > 4096 && this.queueHead * 2 > this.decidedQueue.length) {
      this.decidedQueue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Reported results in port-list order. */
  resultsInOrder(): PortResult[] {
    return this.results.filter((r): r is PortResult => r !== undefined);
  }
}

/** One captured or sent packet as an exchange entry. */
export function exchangePacketOf(d: DecodedFrame, dir: 'in' | 'out', t: number, extra: Partial<ExchangePacket> = {}): ExchangePacket {
  const ip = d.ip!;
  const p: ExchangePacket = { dir, t: Math.round(t * 1000) / 1000, kind: d.tcp ? 'tcp' : d.udp ? 'udp' : 'icmp', src: ip.src, len: ip.totalLength };
  if (d.tcp) p.flags = tcpFlagLetters(d.tcp.flags);
  if (d.icmp) {
    p.icmpType = d.icmp.type;
    p.icmpCode = d.icmp.code;
  }
  return Object.assign(p, extra);
}
