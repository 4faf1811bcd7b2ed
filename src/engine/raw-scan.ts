import { openRawChannel, type RawChannel } from '../link';
import type { PortResult } from '../protocol';
import { canonicalIpv6, decodeFrame, decodeIpPacket, ICMP_DEST_UNREACH, ICMPV6_DEST_UNREACH, isIpv6Address, type TcpProbeTemplate } from '../wire';
import type { LoggedPacket } from './exchange-log';
import { LINGER_MS, PortBook } from './port-book';
import { pickSourcePortBase, ProbeMatcher, SOURCE_PORT_SPAN } from './probe-matcher';
import { RttEstimator } from './rtt';
import type { RawTechnique } from '../technique';
import { nextTurn, perfMsOf, Waker, type TechniqueContext } from './technique-context';

/**
 * Frames sent before the event loop gets a turn, so that the capture drains: a tight loop overflows
 * libpcap's ring (engine notes), which holds about 500 frames (link/capture.ts, SCAN_RING_BYTES).
 */
const SEND_BURST = 128;
/**
 * Probes awaiting an answer or their timeout. Behind a dropping firewall every probe waits a whole
 * timeout (at least 100 ms), so this bounds the rate there: 16384 allows ~160 k probes/s, above what
 * one core sends. Per-port state is typed arrays, so a bigger window costs no memory.
 */
const MAX_IN_FLIGHT = { tcp: 16384, udp: 256 } as const;
const PROGRESS_INTERVAL_MS = 200;
/** retransmissions per port for probes the capture never saw (see `unseen`) */
const MAX_UNSEEN_ATTEMPTS = 8;

/**
 * Runs one raw technique against one target (IPv4, or IPv6 in any text form, a link-local one with its
 * "%zone") and returns its book of verdicts and exchanges, under the target as given.
 */
export async function scanTargetRaw(technique: RawTechnique, givenTarget: string, ctx: TechniqueContext): Promise<PortBook> {
  const ports = ctx.ports;
  const n = ports.length;
  const book = new PortBook(technique.name, givenTarget, ports);
  const v6 = isIpv6Address(givenTarget);
  // Probes carry, and answers are matched against, the address as decoded packets write it.
  const target = v6 ? canonicalIpv6(givenTarget) : givenTarget;
  const maxRetries = ctx.plan.maxRetries ?? technique.defaultRetries;
  const tries = new Uint8Array(n);
  const sentAt = new Float64Array(n);
  const inFlightFlag = new Uint8Array(n);
  const rtt = new RttEstimator();
  const waker = new Waker();
  let inFlight = 0;
  // Where silence means open|filtered (FIN, NULL, Xmas, UDP), an answer the target's ICMP rate limit
  // swallowed would change the state, so retransmissions wait for the target's budget to refill.
  // For SYN, silence and ICMP both mean filtered: only the reason would change, so nothing waits.
  // Linux keeps that budget per destination, so with --source-ips each source has its own: probes and
  // retransmissions rotate over the sources (ProbeMatcher.source) and closed ports are confirmed
  // once per second per source instead of once per second.
  //
  // The scanner's kernel does not own --source-ips addresses, so it stays out of those exchanges: no
  // reset after a SYN/ACK (the target keeps the half-open connection and may send its SYN/ACK again,
  // which the exchange then shows), no port-unreachable after a UDP reply.
  const sources = ctx.plan.sourceIps ?? [];
  const budgets = (sources.length > 0 ? sources : [undefined]).map((s) => ctx.icmpBudgets.for(target, s));
  const budgetOf = new Map(sources.map((s, k) => [s, budgets[k]!]));
  const rationed = technique.noResponse.state === 'open|filtered';
  /** 1 + the index of the source whose token a retransmission holds, 0 for none */
  const holdsToken = new Uint8Array(n);
  /**
   * Attempts of port i the capture never saw leave (set once the channel is open), the one exception to
   * --max-retries as a cap on probes. On `lo` the capture sees every probe we send, so one missing at its
   * timeout never left (the raw socket's ENOBUFS) or was dropped by a full ring (several scans at once on
   * a busy host), which then most likely dropped its answer too: either way its silence says nothing, and
   * it is sent again. At most MAX_UNSEEN_ATTEMPTS times per port, so that a capture that sees no probe at
   * all still ends the scan; the technique's summary note counts them. Never on other links, where the
   * capture does not see our own frames.
   */
  const unseen = new Uint8Array(n);
  /** whether the capture saw port i's latest attempt */
  const probeSeen = new Uint8Array(n);
  let seesOwnProbes = false;
  /** the attempts of port i whose silence counts: at most 1 + maxRetries */
  const countedTries = (i: number) => tries[i]! - unseen[i]!;
  /** whether port i's next attempt is its last, whose silence decides the state */
  const lastAttemptNext = (i: number) => countedTries(i) >= maxRetries;

  const isn = (Math.random() * 0x100000000) >>> 0;
  let matcher: ProbeMatcher | undefined;

  const settle = (i: number) => {
    if (inFlightFlag[i]) {
      inFlightFlag[i] = 0;
      inFlight--;
    }
    if (holdsToken[i]) {
      budgets[holdsToken[i]! - 1]!.release();
      holdsToken[i] = 0;
    }
  };

  // Times of packets are the capture clock's (when the kernel captured an answer, when a probe went to it),
  // not when this loop got to them; the loop's own decisions (timeouts, RTT) stay on performance.now().
  // The pcap holds frames in the order they are written: a probe when it is sent, an answer when this
  // loop reads it. An answer captured while a burst of probes went out is written after them, so the
  // file's order (and Wireshark's, which keeps it) can differ from the timestamps' (wire) order there.
  const onFrame = (frame: Uint8Array, capturedAt: number) => {
    const now = performance.now();
    const d = decodeFrame(frame);
    const m = (d?.ip || d?.ip6) && matcher ? matcher.match(d) : undefined;
    if (m?.kind === 'own') return void (probeSeen[m.index] = 1);
    const frameNo = ctx.pcap?.write(frame, capturedAt);
    if (!m || !d) return;
    const t = perfMsOf(capturedAt) - ctx.startedAt;
    if (m.kind === 'kernel') {
      book.record(m.index, d, 'out', t, { kernel: true, frame: frameNo });
      return;
    }
    ctx.counters.received++;
    const ip = (d.ip ?? d.ip6)!;
    // Linux limits ICMPv6 errors per destination as it does ICMP ones (net.ipv6.icmp.ratelimit, 100 ms)
    const unreachable = d.icmp ? d.icmp.type === ICMP_DEST_UNREACH : d.icmp6?.type === ICMPV6_DEST_UNREACH;
    if (unreachable && ip.src === target) (budgetOf.get(ip.dst) ?? budgets[0]!).errorReceived(now);
    book.record(m.index, d, 'in', t, { frame: frameNo });
    if (m.attempt === Math.min(tries[m.index]! - 1, SOURCE_PORT_SPAN - 1) && inFlightFlag[m.index]) rtt.sample(now - sentAt[m.index]!);
    const verdict = technique.classify(m.answer);
    if (verdict && book.decide(m.index, verdict, now, d.ip ? d.ip.ttl : d.ip6!.hopLimit)) {
      settle(m.index);
      waker.wake();
    }
  };

  const sourcePortBase = pickSourcePortBase(ports);
  const channel: RawChannel = await openRawChannel(
    givenTarget,
    ctx.plan.iface,
    { first: sourcePortBase, last: sourcePortBase + SOURCE_PORT_SPAN - 1 },
    {
      onFrame,
      onInjected: (frame, sentAt) => ctx.pcap?.write(frame, sentAt),
      onLost: (err) => {
        ctx.stoppedBy ??= err.message;
        waker.wake();
      },
    },
    sources.length > 0 ? { addresses: sources } : undefined,
  );
  if (channel.targetMac !== undefined) ctx.targetMac = channel.targetMac;
  if (channel.arpRttMs !== undefined) rtt.sample(channel.arpRttMs);
  seesOwnProbes = channel.route.loopback;
  matcher = new ProbeMatcher(technique, ports, sources.length > 0 ? sources : channel.route.srcIp, target, isn, sourcePortBase);

  // TCP probes are one prebuilt frame per source address, patched in place: nothing is allocated
  // or decoded per probe, which at 100k+ probes/s is most of the loop's time apart from the send itself.
  // Each template also keeps the log entry of its probes, filled in per send: the log copies it.
  const templates = new Map<string, { template: TcpProbeTemplate; logged: LoggedPacket }>();
  const templateFor = (srcIp: string) => {
    let t = templates.get(srcIp);
    if (!t) {
      const base = { srcIp, dstIp: target, srcPort: matcher!.sourcePort(0), srcMac: channel.route.srcMac, dstMac: channel.dstMac };
      const template = technique.probeTemplate!(base);
      const logged: LoggedPacket = {
        dir: 'out',
        tMs: 0,
        kind: 'tcp',
        srcId: book.addressId(srcIp),
        len: template.ipLength,
        ipVersion: v6 ? 6 : undefined,
        tcpFlags: template.flags,
      };
      t = { template, logged };
      templates.set(srcIp, t);
    }
    return t;
  };

  const send = (i: number, now: number) => {
    const attempt = tries[i]!;
    const srcIp = matcher!.source(i, attempt);
    if (technique.probeTemplate) {
      const { template, logged } = templateFor(srcIp);
      const frame = template.fill(ports[i]!, matcher!.seq(i, attempt), matcher!.sourcePort(attempt));
      const wentAt = channel.sendFrame(frame);
      logged.tMs = perfMsOf(wentAt) - ctx.startedAt;
      logged.retry = attempt;
      logged.frame = ctx.pcap?.write(frame, wentAt);
      book.recordPacket(i, logged);
    } else {
      const packet = technique.buildProbe({ srcIp, dstIp: target, srcPort: matcher!.sourcePort(attempt), dstPort: ports[i]!, seq: matcher!.seq(i, attempt) });
      const { frame, sentAt: wentAt } = channel.send(packet);
      book.record(i, decodeIpPacket(packet)!, 'out', perfMsOf(wentAt) - ctx.startedAt, { retry: attempt, frame: ctx.pcap?.write(frame, wentAt) });
    }
    tries[i] = attempt + 1;
    probeSeen[i] = 0;
    sentAt[i] = now;
    inFlightFlag[i] = 1;
    inFlight++;
    timeoutQueue.push(i);
    ctx.counters.sent++;
  };

  const bucket = ctx.bucket;
  // Without a listener (the CLI) no PortResult is built while scanning: the output builds them once.
  const reportPort = ctx.events.port && ((r: PortResult) => ctx.events.port!(r));
  const maxInFlight = MAX_IN_FLIGHT[technique.protocol];
  // Both queues hold port indices; stale entries (port decided meanwhile) are skipped when reached.
  const timeoutQueue: number[] = [];
  let timeoutHead = 0;
  // One retry queue per source, each drained as that source's ICMP budget allows.
  const retryQueues = budgets.map(() => ({ ports: [] as number[], head: 0 }));
  let nextRetrySource = 0;
  const retriesWaiting = () => retryQueues.some((q) => q.head < q.ports.length);
  /** the source whose queue may send a retransmission now (round robin), or -1 */
  const readyRetrySource = (now: number): number => {
    for (let k = 0; k < retryQueues.length; k++) {
      const s = (nextRetrySource + k) % retryQueues.length;
      const q = retryQueues[s]!;
      if (q.head < q.ports.length && (!rationed || budgets[s]!.mayRetry(now, lastAttemptNext(q.ports[q.head]!)))) return s;
    }
    return -1;
  };
  let next = 0;
  let lastProgress = 0;
  /** when the loop last yielded to the event loop: every answer captured before then has been through onFrame */
  let drainedAt = performance.now();

  const progress = (now: number) => {
    lastProgress = now;
    const elapsed = (now - ctx.startedAt) / 1000;
    ctx.events.progress?.({
      scanId: ctx.plan.scanId,
      technique: technique.name,
      target: givenTarget,
      sent: ctx.counters.sent,
      answered: ctx.counters.received,
      done: book.decided,
      total: n,
      rate: elapsed > 0 ? Math.round(ctx.counters.sent / elapsed) : 0,
    });
  };

  // Once per technique, not per probe: the budget only needs to know when probing began.
  if (rationed) for (const b of budgets) b.probingStarted(performance.now());
  try {
    while (book.reported < n && !ctx.signal?.aborted && ctx.stoppedBy === undefined) {
      let now = performance.now();
      const timeout = rtt.timeoutMs();
      while (timeoutHead < timeoutQueue.length) {
        const i = timeoutQueue[timeoutHead]!;
        if (!inFlightFlag[i]) {
          timeoutHead++;
          continue;
        }
        // Judged at the last drain, not now: answers that came while the loop was off the CPU (a busy
        // host, several scans at once) are still in the ring, read only once this turn yields.
        if (drainedAt - sentAt[i]! < timeout) break;
        timeoutHead++;
        settle(i);
        if (seesOwnProbes && !probeSeen[i] && unseen[i]! < MAX_UNSEEN_ATTEMPTS) {
          unseen[i]!++;
          ctx.counters.unseen = (ctx.counters.unseen ?? 0) + 1;
        }
        if (countedTries(i) <= maxRetries) retryQueues[matcher.sourceIndex(i, tries[i]!)]!.ports.push(i);
        else book.decide(i, technique.noResponse, now);
      }
      if (timeoutHead > 65536) {
        timeoutQueue.splice(0, timeoutHead);
        timeoutHead = 0;
      }

      let sentThisTurn = 0;
      while (sentThisTurn < SEND_BURST && inFlight < maxInFlight) {
        const retrySource = readyRetrySource(now);
        const retryReady = retrySource >= 0;
        if (!retryReady && next >= n) break;
        if (bucket && !bucket.take(now)) break;
        let i: number;
        if (retryReady) {
          const q = retryQueues[retrySource]!;
          i = q.ports[q.head++]!;
          nextRetrySource = retrySource + 1;
        } else i = next++;
        if (!book.isOpen(i)) continue;
        send(i, now);
        sentThisTurn++;
        if (retryReady && rationed && budgets[retrySource]!.reserve(countedTries(i) > maxRetries)) holdsToken[i] = retrySource + 1;
      }
      for (const q of retryQueues) {
        if (q.head > 65536) {
          q.ports.splice(0, q.head);
          q.head = 0;
        }
      }

      now = performance.now();
      book.reportDue(now, LINGER_MS, reportPort);
      if (now - lastProgress >= PROGRESS_INTERVAL_MS) progress(now);
      // Once every port is decided, the short linger below is enough for what may still follow (our
      // kernel's RST comes within microseconds of the SYN/ACK); waiting out LINGER_MS added 150 ms to every scan.
      if (book.decided === n) break;
      // Either wait passes libuv's poll phase, which empties the capture's ring into onFrame.
      drainedAt = performance.now();
      if (sentThisTurn >= SEND_BURST) await nextTurn();
      else await waker.sleep(nextWakeMs(now));
    }
  } finally {
    // A short linger lets the last answers (and our kernel's RSTs) reach the capture.
    if (!ctx.signal?.aborted && ctx.stoppedBy === undefined) await new Promise((r) => setTimeout(r, 20));
    channel.close();
    // libuv unmaps the capture's ring in its close phase, which a timer (unlike setImmediate from the
    // poll phase) always waits for: the next target then does not open its ring while this one is mapped.
    await new Promise((r) => setTimeout(r, 0));
  }
  book.reportDue(performance.now(), 0, reportPort);
  progress(performance.now());
  return book;

  function nextWakeMs(now: number): number {
    let wait = 50;
    if (timeoutHead < timeoutQueue.length) wait = Math.min(wait, sentAt[timeoutQueue[timeoutHead]!]! + rtt.timeoutMs() - now);
    if (bucket && inFlight < maxInFlight && (next < n || retriesWaiting())) wait = Math.min(wait, bucket.msUntilToken(now));
    if (rationed)
      retryQueues.forEach((q, s) => q.head < q.ports.length && (wait = Math.min(wait, budgets[s]!.msUntilRetry(now, lastAttemptNext(q.ports[q.head]!)))));
    if (book.decided > book.reported) wait = Math.min(wait, 25);
    return Math.max(wait, 0);
  }
}
