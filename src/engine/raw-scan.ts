import { OutgoingFrames, openRawChannel, type RawChannel } from '../link';
import type { PortResult } from '../protocol';
import {
  canonicalIpv6,
  decodeFrame,
  encodeEthernet,
  ETHERNET_HEADER_LENGTH,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ICMP_DEST_UNREACH,
  ICMPV6_DEST_UNREACH,
  isIpv6Address,
  type TcpProbeTemplate,
} from '../wire';
import type { LoggedPacket } from './exchange-log';
import { fieldsOfDecoded, LAYER_ICMP, PacketFields, readPacketFields } from './packet-fields';
import { LINGER_MS, PortBook } from './port-book';
import { MATCH_KERNEL, MATCH_NONE, MATCH_OWN, pickSourcePortBase, ProbeMatcher, SOURCE_PORT_SPAN } from './probe-matcher';
import { PortQueue, PortQueues } from './port-queue';
import { RttEstimator } from './rtt';
import type { RawTechnique } from '../technique';
import { nextTurn, perfMsOf, Waker, type TechniqueContext } from './technique-context';
import { VerdictCache } from './verdict-cache';

/**
 * Probes handed to the native send thread in one batch (one copy into its queue, one sendmmsg run there);
 * the loop then yields, so that the capture's batches reach onFrame between bursts.
 */
const SEND_BURST = 256;
/**
 * Frames the loop lets wait in the send thread's queue before it adds more. A probe's time is when it was
 * queued, so this bounds how much earlier than on the wire it is stamped (a few ms on veth); a deeper queue
 * (the native one takes 4096) sent no faster.
 */
const QUEUE_AHEAD = 2 * SEND_BURST;
/**
 * Probes awaiting an answer or their timeout. Behind a dropping firewall every probe waits a whole
 * timeout (at least 100 ms), so this bounds the rate there: 16384 allows ~160 k probes/s. Per-port state
 * is typed arrays, so a bigger window costs no memory.
 */
const MAX_IN_FLIGHT = { tcp: 16384, udp: 256 } as const;
/**
 * The in-flight window after the capture's ring overflowed (the loop fell behind its answers, on a busy host):
 * the window halves down to this, which the ring holds answers for, and grows back by WINDOW_GROWTH a turn.
 */
const MIN_IN_FLIGHT = 1024;
const WINDOW_GROWTH = 64;
/** How long the loop waits for the send thread to take queued frames (it sends one in a few µs). */
const QUEUE_WAIT_MS = 1;
/** Ethernet, an IPv6 header and a TCP header with the most options: the longest TCP probe frame. */
const TCP_PROBE_FRAME_BYTES = ETHERNET_HEADER_LENGTH + 40 + 60;
const UDP_PROBE_FRAME_BYTES = 1518;
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
  /** when port i's latest attempt was queued for sending (performance.now()'s scale) */
  const sentAt = new Float64Array(n);
  /**
   * when the loop saw port i's latest attempt leave the send thread's queue: its timeout runs from there, so a
   * queue the send thread is slow to empty (a busy host) never times out a probe still waiting in it
   */
  const leftAt = new Float64Array(n);
  /** how many frames had been queued once port i's latest attempt was (its batch included) */
  const queuedUpTo = new Uint32Array(n);
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
  let verdicts: VerdictCache | undefined;
  /** per address id of the matcher: the index of its ICMP budget */
  let budgetIndexOf: number[] = [];
  /** every captured frame is read into these fields, reused: the common answers allocate nothing */
  const fields = new PacketFields();

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

  // Times of packets are the capture clock's (when the kernel captured an answer, when a probe was queued
  // for the send thread), not when this loop got to them; RTT samples are answer capture time minus probe
  // queueing time, both on performance.now()'s scale, and the loop's own decisions stay on performance.now().
  // The pcap holds frames in the order they are written: a probe when it is queued, an answer when this
  // loop reads it. An answer captured while a burst of probes went out is written after them, so the
  // file's order (and Wireshark's, which keeps it) can differ from the timestamps' (wire) order there.
  const onFrame = (frame: Uint8Array, capturedAt: number) => {
    const m = matcher;
    const f = fields;
    // The fast path reads the common answers straight from the bytes; decodeFrame reads the rest (ARP,
    // IPv6 extension headers, fragments, ICMP from a router), into the same fields.
    if (!m || !(readPacketFields(frame, f, m.addresses) || decodeInto(frame, f, m))) return void ctx.pcap?.write(frame, capturedAt);
    const kind = m.matchFields(f);
    const i = m.index;
    if (kind === MATCH_OWN) return void (probeSeen[i] = 1);
    const frameNo = ctx.pcap?.write(frame, capturedAt);
    if (kind === MATCH_NONE) return;
    const capturedPerf = perfMsOf(capturedAt);
    const t = capturedPerf - ctx.startedAt;
    if (kind === MATCH_KERNEL) return void book.recordFields(i, f, 'out', t, frameNo, true);
    ctx.counters.received++;
    const now = performance.now();
    // Linux limits ICMPv6 errors per destination as it does ICMP ones (net.ipv6.icmp.ratelimit, 100 ms)
    if (f.layer === LAYER_ICMP && f.icmpType === (f.ipVersion === 4 ? ICMP_DEST_UNREACH : ICMPV6_DEST_UNREACH) && f.srcId === m.targetId)
      budgets[f.dstId >= 0 ? budgetIndexOf[f.dstId]! : 0]!.errorReceived(now);
    book.recordFields(i, f, 'in', t, frameNo);
    if (m.attempt === Math.min(tries[i]! - 1, SOURCE_PORT_SPAN - 1) && inFlightFlag[i]) rtt.sample(capturedPerf - sentAt[i]!);
    const verdict = verdicts!.verdictOf(f);
    if (verdict && book.decide(i, verdict, now, f.ttl)) {
      settle(i);
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
    { extra: sources.length > 0 ? { addresses: sources } : undefined, ringBytes: ctx.ringBytes },
  );
  if (channel.targetMac !== undefined) ctx.targetMac = channel.targetMac;
  if (channel.arpRttMs !== undefined) rtt.sample(channel.arpRttMs);
  seesOwnProbes = channel.route.loopback;
  const ourIps = sources.length > 0 ? sources : [channel.route.srcIp];
  const scanMatcher = new ProbeMatcher(technique, ports, ourIps, target, isn, sourcePortBase);
  book.knowAddresses(scanMatcher.addresses.texts);
  // as a Map from source to budget would: the last of equal sources wins, any other address takes the first budget
  budgetIndexOf = scanMatcher.addresses.texts.map((a) => Math.max(0, sources.lastIndexOf(a)));
  verdicts = new VerdictCache(technique, scanMatcher);
  matcher = scanMatcher;

  // Probes go to the native send thread in batches: each is copied into `batch` as it is built (TCP probes
  // from one prebuilt frame per source address, patched in place, so nothing is allocated per probe), and
  // the batch is queued once per turn. Until it is queued, batchPorts[k] and batchAttempts[k] say whose frame k is.
  const batch = new OutgoingFrames(SEND_BURST, technique.protocol === 'tcp' ? TCP_PROBE_FRAME_BYTES : UDP_PROBE_FRAME_BYTES);
  const batchPorts = new Int32Array(SEND_BURST);
  const batchAttempts = new Uint8Array(SEND_BURST);
  const etherType = v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
  /** per source: the TCP template (TCP techniques) and the log entry of its probes, filled in per probe (the log copies it) */
  const perSource = ourIps.map((srcIp) => {
    const template: TcpProbeTemplate | undefined = technique.probeTemplate?.({
      srcIp,
      dstIp: target,
      srcPort: scanMatcher.sourcePort(0),
      srcMac: channel.route.srcMac,
      dstMac: channel.dstMac,
    });
    const logged: LoggedPacket = {
      dir: 'out',
      tMs: 0,
      kind: technique.protocol,
      srcId: book.addressId(srcIp),
      len: 0,
      ipVersion: v6 ? 6 : undefined,
      tcpFlags: template?.flags,
    };
    return { srcIp, template, logged };
  });

  /** Builds port i's next attempt into the batch; the port is in flight from here on. */
  const addProbe = (i: number) => {
    const attempt = tries[i]!;
    const { srcIp, template } = perSource[scanMatcher.sourceIndex(i, attempt)]!;
    const seq = scanMatcher.seq(i, attempt);
    const srcPort = scanMatcher.sourcePort(attempt);
    const frame = template
      ? template.fill(ports[i]!, seq, srcPort)
      : encodeEthernet(channel.dstMac, channel.route.srcMac, etherType, technique.buildProbe({ srcIp, dstIp: target, srcPort, dstPort: ports[i]!, seq }));
    const k = batch.add(frame);
    batchPorts[k] = i;
    batchAttempts[k] = attempt;
    tries[i] = attempt + 1;
    probeSeen[i] = 0;
    inFlightFlag[i] = 1;
    inFlight++;
  };

  /**
   * Queues the batch for the send thread; false when its queue is full (the batch is kept for the next turn).
   * A probe's time, in the pcap and its exchange, is when it was queued: the send thread puts it on the wire
   * within microseconds to a few milliseconds after, in order.
   */
  const flush = (): boolean => {
    if (batch.count === 0) return true;
    const queuedAt = channel.sendFrames(batch);
    if (queuedAt < 0) return false;
    const queuedPerf = perfMsOf(queuedAt);
    const tMs = queuedPerf - ctx.startedAt;
    for (let k = 0; k < batch.count; k++) {
      const i = batchPorts[k]!;
      const attempt = batchAttempts[k]!;
      const { logged } = perSource[scanMatcher.sourceIndex(i, attempt)]!;
      logged.tMs = tMs;
      logged.retry = attempt;
      logged.len = batch.lengths[k]! - ETHERNET_HEADER_LENGTH;
      logged.frame = ctx.pcap?.write(batch.frame(k), queuedAt);
      book.recordPacket(i, logged);
      sentAt[i] = queuedPerf;
      queuedUpTo[i] = framesQueued + batch.count;
      // answered meanwhile by a late answer to its previous attempt: it waits for no timeout
      if (inFlightFlag[i]) timeoutQueue.push(i);
    }
    framesQueued += batch.count;
    pending += batch.count;
    ctx.counters.sent += batch.count;
    batch.clear();
    return true;
  };

  const bucket = ctx.bucket;
  // Without a listener (the CLI) no PortResult is built while scanning: the output builds them once.
  const reportPort = ctx.events.port && ((r: PortResult) => ctx.events.port!(r));
  const maxInFlight: number = MAX_IN_FLIGHT[technique.protocol];
  // Ports waiting for their timeout, in the order they were queued; a port decided meanwhile is skipped when
  // reached. Those before `leftCursor` have left the send thread's queue (their leftAt is set).
  const timeoutQueue = new PortQueue(n);
  let leftCursor = 0;
  /** frames queued for the send thread since the channel opened, and how many of them it has not yet sent */
  let framesQueued = 0;
  let pending = 0;
  let dropped = 0;
  let inFlightWindow: number = maxInFlight;
  /**
   * Marks the ports whose probes the send thread took since the last call as having left now, and sizes the
   * in-flight window: halved when the ring lost frames since, grown back a little when not (as TCP's).
   */
  const observeSent = (now: number) => {
    const pipeline = channel.pipeline();
    pending = pipeline.queued;
    if (pipeline.dropped > dropped) inFlightWindow = Math.max(Math.min(MIN_IN_FLIGHT, maxInFlight), inFlightWindow >> 1);
    else inFlightWindow = Math.min(maxInFlight, inFlightWindow + WINDOW_GROWTH);
    dropped = pipeline.dropped;
    const sent = framesQueued - pending;
    leftCursor = Math.max(leftCursor, timeoutQueue.first);
    for (; leftCursor < timeoutQueue.end; leftCursor++) {
      const i = timeoutQueue.at(leftCursor);
      if (queuedUpTo[i]! > sent) break;
      leftAt[i] = now;
    }
  };
  // One retry queue per source, each drained as that source's ICMP budget allows.
  const retryQueues = new PortQueues(n, budgets.length);
  let nextRetrySource = 0;
  /** the source whose queue may send a retransmission now (round robin), or -1 */
  const readyRetrySource = (now: number): number => {
    if (retryQueues.length === 0) return -1;
    for (let k = 0; k < budgets.length; k++) {
      const s = (nextRetrySource + k) % budgets.length;
      const head = retryQueues.peek(s);
      if (head >= 0 && (!rationed || budgets[s]!.mayRetry(now, lastAttemptNext(head)))) return s;
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
      observeSent(now);
      for (let i = timeoutQueue.peek(); i >= 0; i = timeoutQueue.peek()) {
        if (!inFlightFlag[i]) {
          timeoutQueue.shift();
          continue;
        }
        // A probe still in the send thread's queue has not started its timeout. One that left is judged at
        // the last drain, not now: answers that came while the loop was off the CPU (a busy host, several
        // scans at once) are still in the ring, read only once this turn yields.
        if (timeoutQueue.first >= leftCursor || drainedAt - leftAt[i]! < timeout) break;
        timeoutQueue.shift();
        settle(i);
        if (seesOwnProbes && !probeSeen[i] && unseen[i]! < MAX_UNSEEN_ATTEMPTS) {
          unseen[i]!++;
          ctx.counters.unseen = (ctx.counters.unseen ?? 0) + 1;
        }
        if (countedTries(i) <= maxRetries) retryQueues.push(scanMatcher.sourceIndex(i, tries[i]!), i);
        else book.decide(i, technique.noResponse, now);
      }

      // A batch the send thread had no room for last turn goes first, alone; a new one only while its queue is short.
      let queued = flush();
      let burst = 0;
      while (queued && pending < QUEUE_AHEAD && !batch.full && inFlight < inFlightWindow) {
        const retrySource = readyRetrySource(now);
        const retryReady = retrySource >= 0;
        if (!retryReady && next >= n) break;
        if (bucket && !bucket.take(now)) break;
        let i: number;
        if (retryReady) {
          i = retryQueues.shift(retrySource);
          nextRetrySource = retrySource + 1;
        } else i = next++;
        if (!book.isOpen(i)) continue;
        addProbe(i);
        burst++;
        if (retryReady && rationed && budgets[retrySource]!.reserve(countedTries(i) > maxRetries)) holdsToken[i] = retrySource + 1;
      }
      if (burst > 0) queued = flush();

      now = performance.now();
      book.reportDue(now, LINGER_MS, reportPort);
      if (now - lastProgress >= PROGRESS_INTERVAL_MS) progress(now);
      // Once every port is decided, what may still follow (our kernel's RST after a SYN/ACK) is already in the
      // capture's ring: draining it below is enough, where waiting out LINGER_MS added 150 ms to every scan.
      if (book.decided === n) break;
      // Either wait passes libuv's poll phase, which hands the capture's batches to onFrame.
      drainedAt = performance.now();
      if (!queued) await waker.sleep(QUEUE_WAIT_MS);
      else if (burst >= SEND_BURST) await nextTurn();
      else await waker.sleep(nextWakeMs(now));
    }
  } finally {
    if (!ctx.signal?.aborted && ctx.stoppedBy === undefined) await channel.drain();
    channel.close();
  }
  book.reportDue(performance.now(), 0, reportPort);
  progress(performance.now());
  return book;

  function nextWakeMs(now: number): number {
    let wait = 50;
    const oldest = timeoutQueue.peek();
    // until the oldest probe has left the send thread's queue its timeout has not started: look again soon
    if (oldest >= 0) wait = Math.min(wait, timeoutQueue.first < leftCursor ? leftAt[oldest]! + rtt.timeoutMs() - now : QUEUE_WAIT_MS);
    if (pending >= QUEUE_AHEAD && (next < n || retryQueues.length > 0)) wait = Math.min(wait, QUEUE_WAIT_MS);
    if (bucket && inFlight < inFlightWindow && (next < n || retryQueues.length > 0)) wait = Math.min(wait, bucket.msUntilToken(now));
    if (rationed)
      for (let s = 0; s < budgets.length; s++) {
        const head = retryQueues.peek(s);
        if (head >= 0) wait = Math.min(wait, budgets[s]!.msUntilRetry(now, lastAttemptNext(head)));
      }
    if (book.decided > book.reported) wait = Math.min(wait, 25);
    return Math.max(wait, 0);
  }
}

/** The slow path: decodeFrame's objects into the fields; false for a frame without an IP layer. */
function decodeInto(frame: Uint8Array, f: PacketFields, matcher: ProbeMatcher): boolean {
  const d = decodeFrame(frame);
  return d !== undefined && fieldsOfDecoded(d, f, matcher.addresses);
}
