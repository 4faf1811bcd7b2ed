import type { IcmpBudgets } from './icmp-budget';
import type { TokenBucket } from './pacer';
import type { PcapWriter } from '../wire/pcap';
import type { ScanPlan, ScanEvents } from './scan-plan';
import type { TechniqueSummary } from '../protocol';

/** What every per-target loop of one technique shares: the plan, the pcap, the clock and the counters. */
export interface TechniqueContext {
  plan: ScanPlan;
  /** the plan's ports for this technique's transport */
  ports: readonly number[];
  events: ScanEvents;
  signal: AbortSignal | undefined;
  pcap: PcapWriter | undefined;
  /** the plan's --rate, shared by every target scanned at the same time */
  bucket: TokenBucket | undefined;
  /** each target's ICMP error budget for us (per source address with --source-ips), kept across the techniques of a run */
  icmpBudgets: IcmpBudgets;
  /** the receive ring of this target's capture: targets scanned at the same time share one (link's scanRingBytes) */
  ringBytes: number;
  /** performance.now() when the technique started; exchange times are relative to it */
  startedAt: number;
  /**
   * `unseen`: probes the capture never saw leave (its ring was full), sent again (raw-scan.ts); `framesLost`: frames
   * the connect scan's capture lost (its ring was full): the states stand, some exchanges lack packets (connect-scan.ts)
   */
  counters: { sent: number; received: number; unseen?: number; framesLost?: number };
  /** why this target's scan ended before every port was decided (the link went down, say) */
  stoppedBy?: string;
  /** the target's MAC, from the ARP answer, when it is on-link (raw techniques) */
  targetMac?: string;
  /** the idle scan's zombie as its check found it (the summary names it, as nmap's output does) */
  zombie?: NonNullable<TechniqueSummary['zombie']>;
}

/** read once: the getter costs about a microsecond, and every packet's time is converted */
const TIME_ORIGIN = performance.timeOrigin;

/**
 * performance.now()'s reading at a capture-clock time (µs since the epoch, link/capture.ts): exchange times
 * are on performance.now()'s scale, packet times on the capture's. Both sides of an exchange go through
 * this one conversion, so their order and gaps are the capture clock's.
 */
export const perfMsOf = (epochMicros: number): number => epochMicros / 1000 - TIME_ORIGIN;

/** Resolves after ms, or earlier when wake() is called (an answer freed a slot or decided a port). */
export class Waker {
  private resolveWait: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      const self = this;
      function done() {
        clearTimeout(timer);
        self.resolveWait = undefined;
        resolve();
      }
      this.resolveWait = done;
    });
  }

  wake(): void {
    this.resolveWait?.();
  }
}

export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
