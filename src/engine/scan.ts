import { join } from 'node:path';
import { assertInterfaceUp, claimSourceAddresses, findRoute, hasCapNetRaw, missingCapNetRaw, scanRingBytes } from '../link';
import { captureFileName, PORT_STATES, TECHNIQUES, type PortState, type ResultFilter, type ScanSummary, type TechniqueSummary } from '../protocol';
import { scanTargetConnect } from './connect-scan';
import { UserError } from '../base/errors';
import { IcmpBudgets } from './icmp-budget';
import { LINKTYPE_ETHERNET } from '../wire';
import { TokenBucket } from './pacer';
import { PcapWriter } from '../wire/pcap';
import type { PortBook } from './port-book';
import { portCount, portsFor } from './ports';
import { scanTargetRaw } from './raw-scan';
import { scanTargetIdle } from './idle/idle-scan';
import { assertLabRouteStaysHere } from './lab-route-guard';
import type { ScanEvents, ScanOutcome, ScanPlan } from './scan-plan';
import { NMAP_FLAG, RAW_TECHNIQUES } from '../technique';
import type { TechniqueContext } from './technique-context';

/**
 * Raw techniques scan this many targets at once, like nmap's host groups: a subnet is then not the
 * sum of every host's last retransmission timeout. Connect scans stay one target at a time, since
 * each attempt holds a file descriptor.
 */
const MAX_PARALLEL_TARGETS = 8;

/** "-sS, -sX, …": every technique of the table that sends its own packets. */
const RAW_LETTERS = TECHNIQUES.filter((t) => t !== 'connect')
  .map((t) => `-s${NMAP_FLAG[t]}`)
  .join(', ');

/** What a technique's scan of one target hands back: its verdicts and exchanges. */
type TargetBook = Pick<PortBook, 'technique' | 'target' | 'reported' | 'results' | 'bareResults' | 'resultsJson' | 'stateCounts'>;

/**
 * Runs every technique of the plan against every target (raw techniques several targets at once). An aborted scan
 * stops sending, closes its pcap (a valid file) and returns the ports decided so far, partial. So does a scan that
 * fails (a UserError: no ARP answer, say) after some target or technique finished: what was decided is kept and
 * the summary's error says why the rest is missing; only a failure before anything was decided is thrown.
 */
export async function runScan(plan: ScanPlan, events: ScanEvents, signal?: AbortSignal): Promise<ScanOutcome> {
  const rawCapable = hasCapNetRaw();
  if (!rawCapable && plan.techniques.some((t) => t !== 'connect')) throw missingCapNetRaw(`each raw scan technique (${RAW_LETTERS})`);

  if (plan.iface !== undefined && plan.techniques.includes('connect')) assertConnectLeavesBy(plan.iface, plan.targets);
  for (const host of plan.zombie ? [...plan.targets, plan.zombie.address] : plan.targets) assertLabRouteStaysHere(host, plan.iface);

  if (plan.sourceIps) {
    if (plan.techniques.includes('connect'))
      throw new UserError("--source-ips works with raw techniques only: a connect scan (-sT) leaves from the kernel's own address");
    if (plan.techniques.includes('idle')) throw new UserError("--source-ips does not apply to an idle scan (-sI): its probes carry the zombie's address");
    await claimSourceAddresses(plan.targets, plan.iface, plan.sourceIps);
  }

  const books: TargetBook[] = [];
  const summaries: TechniqueSummary[] = [];
  let stoppedBy: string | undefined;
  let failure: unknown;
  // Kept across techniques: a FIN scan right after a SYN scan meets the ICMP budget the SYN scan left.
  const icmpBudgets = new IcmpBudgets();
  // One target's failure (no ARP answer, say) stops the others instead of leaving them running.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (const technique of plan.techniques) {
      if (stop.signal.aborted) break;
      const path = plan.captureDir ? join(plan.captureDir, captureFileName(technique)) : undefined;
      let captureFailure: string | undefined;
      const opened = path ? openCapture(path, (err) => (captureFailure = err.message)) : undefined;
      const pcap = opened?.pcap;
      const capture = pcap ? path : undefined;
      // One bucket for all targets scanned at once, so --rate stays the total rate.
      const bucket = plan.rate ? new TokenBucket(plan.rate, Math.max(1, plan.rate / 100), performance.now()) : undefined;
      // An idle scan reads one zombie's IP ID: two targets at once would each count the other's open ports.
      const parallel = Math.min(technique === 'connect' || technique === 'idle' ? 1 : MAX_PARALLEL_TARGETS, plan.targets.length);
      const ringBytes = scanRingBytes(parallel);
      const scanOne = async (target: string) => {
        const ctx: TechniqueContext = {
          plan,
          ports: portsFor(plan.ports, technique),
          events,
          signal: stop.signal,
          pcap,
          bucket,
          icmpBudgets,
          ringBytes,
          startedAt: performance.now(),
          counters: { sent: 0, received: 0 },
        };
        const startedAt = new Date().toISOString();
        const book: TargetBook =
          technique === 'connect'
            ? await scanTargetConnect(target, ctx)
            : technique === 'idle'
              ? await scanTargetIdle(target, ctx)
              : await scanTargetRaw(RAW_TECHNIQUES[technique], target, ctx);
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
        if (ctx.targetMac !== undefined) summary.mac = ctx.targetMac.toLowerCase();
        if (ctx.zombie !== undefined) summary.zombie = ctx.zombie;
        if (ctx.stoppedBy !== undefined) {
          summary.note = ctx.stoppedBy;
          stoppedBy ??= ctx.stoppedBy;
          stop.abort();
        }
        if (technique === 'connect' && !rawCapable) summary.note = 'exchanges and captures of connect scans need CAP_NET_RAW (run as root)';
        const unseen = ctx.counters.unseen;
        const missed = unseen
          ? `the capture missed ${unseen} probe${unseen === 1 ? '' : 's'} (its ring was full, or the probe never left): sent again`
          : undefined;
        const framesLost = ctx.counters.framesLost;
        const lost = framesLost
          ? `the capture lost ${framesLost} frame${framesLost === 1 ? '' : 's'} (its ring was full): some exchanges lack packets`
          : undefined;
        const note = [summary.note, missed, lost, opened?.failure].filter(Boolean).join('; ');
        if (note) summary.note = note;
        return { book, summary };
      };
      const done: (Awaited<ReturnType<typeof scanOne>> | undefined)[] = new Array(plan.targets.length);
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
      try {
        await Promise.all(Array.from({ length: parallel }, worker));
      } finally {
        pcap?.close();
      }
      if (failure !== undefined && !(failure instanceof UserError)) throw failure;
      for (const d of done) {
        if (!d) continue;
        // The scan goes on without its capture (disk full, say): the summary says where it stopped.
        if (captureFailure !== undefined) d.summary.note = [d.summary.note, `the capture stopped: ${captureFailure}`].filter(Boolean).join('; ');
        books.push(d.book);
        summaries.push(d.summary);
      }
      if (failure !== undefined) break;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) {
    if (summaries.length === 0) throw failure;
    stoppedBy ??= (failure as UserError).message;
  }
  const decided = books.reduce((sum, b) => sum + b.reported, 0);
  const expected = plan.targets.length * portCount(plan.ports, plan.techniques);
  const summary: ScanSummary = { scanId: plan.scanId, partial: decided < expected, techniques: summaries };
  if (stoppedBy !== undefined) summary.error = stoppedBy;
  return {
    summary,
    *results(filter?: ResultFilter) {
      for (const b of books) if (!filter || (b.technique === filter.technique && b.target === filter.target)) yield* b.results(filter?.except);
    },
    *bareResults(filter?: ResultFilter) {
      for (const b of books) if (!filter || (b.technique === filter.technique && b.target === filter.target)) yield* b.bareResults(filter?.except);
    },
    *resultsJson(pretty: boolean) {
      for (const b of books) yield* b.resultsJson(pretty);
    },
  };
}

/**
 * connect() leaves by the routing table's interface: nmap binds its socket to -e's device
 * (SO_BINDTODEVICE), which Node's sockets cannot do, and binding to the interface's address does not
 * change the route. So -e naming another interface than a target's route is refused rather than ignored.
 */
function assertConnectLeavesBy(iface: string, targets: readonly string[]): void {
  assertInterfaceUp(iface);
  for (const target of targets) {
    const route = findRoute(target);
    if (route.iface !== iface)
      throw new UserError(
        `-e ${iface} cannot steer a connect scan (-sT): connect() leaves by the routing table's interface (${route.iface} for ${target}); -e only steers the raw techniques (${RAW_LETTERS})`,
      );
  }
}

/**
 * A capture that cannot be created (its directory removed, the disk full) does not stop the scan: the
 * technique runs without one and its summary says so, as a capture that fails mid-technique stops alone
 * (PcapWriter's onError). nmap does the same with its output files: once the scan is under way a failed
 * write is not a reason to stop probing, and the ports are what the user came for; the CLI still ends
 * with an error line naming the missing capture. A file left shorter than a pcap header (ENOSPC on the
 * header) is no capture at all and would only make tshark fail: PcapWriter.open removes the one it made
 * (never by path: a path through a swapped directory would delete another file, as root).
 */
function openCapture(path: string, onError: (err: Error) => void): { pcap?: PcapWriter; failure?: string } {
  try {
    return { pcap: PcapWriter.open(path, LINKTYPE_ETHERNET, { mode: 0o600, onError }) };
  } catch (err) {
    return { failure: `ran without a capture: cannot create ${path}: ${(err as Error).message}` };
  }
}

function countStates(book: TargetBook): Record<PortState, number> {
  const counts = Object.fromEntries(PORT_STATES.map((s) => [s, 0])) as Record<PortState, number>;
  for (const [state, n] of book.stateCounts()) counts[state] = n;
  return counts;
}
