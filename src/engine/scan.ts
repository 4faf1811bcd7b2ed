import { join } from 'node:path';
import { claimSourceAddresses, hasCapNetRaw, missingCapNetRaw } from '../link';
import { PORT_STATES, type PortState, type ScanSummary, type Technique, type TechniqueSummary } from '../protocol';
import { scanTargetConnect } from './connect-scan';
import { UserError } from './errors';
import { IcmpBudgets } from './icmp-budget';
import { LINKTYPE_ETHERNET } from './packet';
import { TokenBucket } from './pacer';
import { PcapWriter } from './pcap';
import type { PortBook } from './port-book';
import { portCount, portsFor } from './ports';
import { scanTargetRaw } from './raw-scan';
import type { ScanEvents, ScanOutcome, ScanPlan } from './scan-plan';
import { RAW_TECHNIQUES } from './technique';
import type { TechniqueContext } from './technique-context';

/**
 * Raw techniques scan this many targets at once, like nmap's host groups: a subnet is then not the
 * sum of every host's last retransmission timeout. Connect scans stay one target at a time, since
 * each attempt holds a file descriptor.
 */
const MAX_PARALLEL_TARGETS = 8;

/**
 * Runs every technique of the plan against every target (raw techniques several targets at once). An aborted scan
 * stops sending, closes its pcap (a valid file) and returns the ports decided so far, partial.
 */
export async function runScan(plan: ScanPlan, events: ScanEvents, signal?: AbortSignal): Promise<ScanOutcome> {
  const rawCapable = hasCapNetRaw();
  if (!rawCapable && plan.techniques.some((t) => t !== 'connect')) throw missingCapNetRaw('each raw scan technique (-sS, -sX, -sF, -sN, -sU)');

  if (plan.sourceIps) {
    if (plan.techniques.includes('connect')) throw new UserError('--source-ips works with raw techniques only: a connect scan (-sT) leaves from the kernel\'s own address');
    await claimSourceAddresses(plan.targets, plan.iface, plan.sourceIps);
  }

  const books: PortBook[] = [];
  const summaries: TechniqueSummary[] = [];
  let stoppedBy: string | undefined;
  // Kept across techniques: a FIN scan right after a SYN scan meets the ICMP budget the SYN scan left.
  const icmpBudgets = new IcmpBudgets();
  // One target's failure (no ARP answer, say) stops the others instead of leaving them running.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (const technique of plan.techniques) {
      if (stop.signal.aborted) break;
      const capture = plan.captureDir ? join(plan.captureDir, `${technique}.pcap`) : undefined;
      let captureFailure: string | undefined;
      const pcap = capture ? openCapture(capture, (err) => (captureFailure = err.message)) : undefined;
      // One bucket for all targets scanned at once, so --rate stays the total rate.
      const bucket = plan.rate ? new TokenBucket(plan.rate, Math.max(1, plan.rate / 100), performance.now()) : undefined;
      const scanOne = async (target: string) => {
        const ctx: TechniqueContext = {
          plan,
          ports: portsFor(plan.ports, technique),
          events,
          signal: stop.signal,
          pcap,
          bucket,
          icmpBudgets,
          startedAt: performance.now(),
          counters: { sent: 0, received: 0 },
        };
        const startedAt = new Date().toISOString();
        const book = technique === 'connect' ? await scanTargetConnect(target, ctx) : await scanTargetRaw(RAW_TECHNIQUES[technique], target, ctx);
        const summary: TechniqueSummary = {
          technique,
          target,
          startedAt,
          durationMs: Math.round(performance.now() - ctx.startedAt),
          packetsSent: ctx.counters.sent,
          packetsReceived: ctx.counters.received,
          counts: countStates(book),
        };
        if (capture) summary.capture = capture;
        if (ctx.stoppedBy !== undefined) {
          summary.note = ctx.stoppedBy;
          stoppedBy ??= ctx.stoppedBy;
          stop.abort();
        }
        if (technique === 'connect' && !rawCapable) summary.note = 'exchanges and captures of connect scans need CAP_NET_RAW (run as root)';
        return { book, summary };
      };
      const done: (Awaited<ReturnType<typeof scanOne>> | undefined)[] = new Array(plan.targets.length);
      let failure: unknown;
      let nextTarget = 0;
      const worker = async () => {
        while (nextTarget < plan.targets.length && !stop.signal.aborted) {
          const k = nextTarget++;
          try {
            done[k] = await scanOne(plan.targets[k]!);
          } catch (err) {
            failure ??= err;
            stop.abort();
          }
        }
      };
      const parallel = technique === 'connect' ? 1 : MAX_PARALLEL_TARGETS;
      try {
        await Promise.all(Array.from({ length: Math.min(parallel, plan.targets.length) }, worker));
      } finally {
        pcap?.close();
      }
      if (failure) throw failure;
      for (const d of done) {
        if (!d) continue;
        // The scan goes on without its capture (disk full, say): the summary says where it stopped.
        if (captureFailure !== undefined) d.summary.note = [d.summary.note, `the capture stopped: ${captureFailure}`].filter(Boolean).join('; ');
        books.push(d.book);
        summaries.push(d.summary);
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  const decided = books.reduce((sum, b) => sum + b.reported, 0);
  const expected = plan.targets.length * portCount(plan.ports, plan.techniques);
  const summary: ScanSummary = { scanId: plan.scanId, partial: decided < expected, techniques: summaries };
  if (stoppedBy !== undefined) summary.error = stoppedBy;
  return {
    summary,
    *results(filter?: { technique: Technique; target: string }) {
      for (const b of books) if (!filter || (b.technique === filter.technique && b.target === filter.target)) yield* b.results();
    },
  };
}

function openCapture(path: string, onError: (err: Error) => void): PcapWriter {
  try {
    return PcapWriter.open(path, LINKTYPE_ETHERNET, { mode: 0o600, onError });
  } catch (err) {
    throw new UserError(`cannot create the capture ${path}: ${(err as Error).message}`);
  }
}

function countStates(book: PortBook): Record<PortState, number> {
  const counts = Object.fromEntries(PORT_STATES.map((s) => [s, 0])) as Record<PortState, number>;
  for (const [state, n] of book.stateCounts()) counts[state] = n;
  return counts;
}
