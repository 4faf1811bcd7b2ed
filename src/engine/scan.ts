import { join } from 'node:path';
import { hasCapNetRaw, missingCapNetRaw } from '../link';
import { PORT_STATES, type PortResult, type PortState, type TechniqueSummary } from '../protocol';
import { scanTargetConnect } from './connect-scan';
import { LINKTYPE_ETHERNET } from './packet';
import { PcapWriter } from './pcap';
import type { PortBook } from './port-book';
import { portCount, portsFor } from './ports';
import { scanTargetRaw } from './raw-scan';
import type { ScanEvents, ScanOutcome, ScanPlan } from './scan-plan';
import { RAW_TECHNIQUES } from './technique';
import type { TechniqueContext } from './technique-context';

/**
 * Runs every technique of the plan against every target, one after the other. An aborted scan
 * stops sending, closes its pcap (a valid file) and returns the ports decided so far, partial.
 */
export async function runScan(plan: ScanPlan, events: ScanEvents, signal?: AbortSignal): Promise<ScanOutcome> {
  const rawCapable = hasCapNetRaw();
  if (!rawCapable && plan.techniques.some((t) => t !== 'connect')) throw missingCapNetRaw('each raw scan technique (-sS, -sX, -sF, -sN, -sU)');

  const results: PortResult[] = [];
  const summaries: TechniqueSummary[] = [];
  for (const technique of plan.techniques) {
    if (signal?.aborted) break;
    const capture = plan.captureDir ? join(plan.captureDir, `${technique}.pcap`) : undefined;
    const pcap = capture ? PcapWriter.open(capture, LINKTYPE_ETHERNET, { mode: 0o600 }) : undefined;
    try {
      for (const target of plan.targets) {
        if (signal?.aborted) break;
        const ctx: TechniqueContext = { plan, ports: portsFor(plan.ports, technique), events, signal, pcap, startedAt: performance.now(), counters: { sent: 0, received: 0 } };
        const startedAt = new Date().toISOString();
        const book =
          technique === 'connect' ? await scanTargetConnect(target, ctx) : await scanTargetRaw(RAW_TECHNIQUES[technique], target, ctx);
        const found = book.resultsInOrder();
        results.push(...found);
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
        if (technique === 'connect' && !rawCapable) summary.note = 'exchanges and captures of connect scans need CAP_NET_RAW (run as root)';
        summaries.push(summary);
      }
    } finally {
      pcap?.close();
    }
  }
  const decided = results.length;
  const expected = plan.targets.length * portCount(plan.ports, plan.techniques);
  return { summary: { scanId: plan.scanId, partial: decided < expected, techniques: summaries }, results };
}

function countStates(book: PortBook): Record<PortState, number> {
  const counts = Object.fromEntries(PORT_STATES.map((s) => [s, 0])) as Record<PortState, number>;
  for (const r of book.resultsInOrder()) counts[r.state]++;
  return counts;
}
