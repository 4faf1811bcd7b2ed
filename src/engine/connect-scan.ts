import { readFileSync } from 'node:fs';
import type { PortResult } from '../protocol';
import { captureConnectTraffic, ConnectAttempts, hasCapNetRaw, isLocalShortage, type LiveCapture } from '../link';
import { canonicalIpv6, isIpv6Address, TCP_ACK, TCP_SYN } from '../wire';
import { CONNECT_FOREIGN, CONNECT_IN, CONNECT_OUT, ConnectFrameReader } from './connect-frames';
import { InFlightLimit } from './connect-limit';
import { LINGER_MS, PortBook } from './port-book';
import { portIndexes } from './ports';
import { RttEstimator } from './rtt';
import { TECHNIQUE_TABLE } from '../technique';
import { perfMsOf, Waker, type TechniqueContext } from './technique-context';

/**
 * Concurrent connect() attempts; each holds a file descriptor, so the process's open-file limit
 * (less a margin for captures, pcaps and stdio) caps it.
 */
const MAX_IN_FLIGHT = 256;
const FD_MARGIN = 64;
const PROGRESS_INTERVAL_MS = 200;
/**
 * Attempts in flight until the first result comes back: they all get the initial 1 s timeout, so a
 * full first round would hold a filtered port among them for 1 s where the measured timeout is ~100 ms.
 */
const FIRST_ROUND = 8;
/** The loop's longest sleep: the engine's results wake it sooner. */
const IDLE_WAKE_MS = 25;

const CONNECT = TECHNIQUE_TABLE.connect;

/**
 * Connect scan of one target, IPv4 or IPv6, with the OS's connect(). With CAP_NET_RAW the kernel's
 * packets are captured too, so the exchange shows S → SA → A → RA; without it the exchange stays empty.
 */
export async function scanTargetConnect(target: string, ctx: TechniqueContext): Promise<PortBook> {
  const ports = ctx.ports;
  const n = ports.length;
  const book = new PortBook('connect', target, ports);
  const maxRetries = ctx.plan.maxRetries ?? CONNECT.defaultRetries;
  const indexOfPort = portIndexes(ports);
  const synsSeen = new Uint8Array(n);
  const rtt = new RttEstimator();
  const waker = new Waker();
  /** ports whose connect() drew an answer (connected, refused, unreachable); timeouts are not answers */
  let answered = 0;

  let capture: LiveCapture | undefined;
  if (hasCapNetRaw()) {
    let reader: ConnectFrameReader | undefined;
    // Captured IPv6 addresses are in RFC 5952 form: the target as given may be written otherwise, or carry a zone.
    const wireTarget = isIpv6Address(target) ? canonicalIpv6(target) : target;
    // Every packet of a connect scan is the kernel's and captured: its time is the capture's (see raw-scan.ts).
    const opened = await captureConnectTraffic(
      target,
      ctx.plan.iface,
      (frame, capturedAt) => {
        const r = reader;
        if (!r) return;
        const kind = r.read(frame);
        if (kind === CONNECT_FOREIGN) return;
        const f = r.fields;
        const i = r.index;
        const t = perfMsOf(capturedAt) - ctx.startedAt;
        const frameNo = ctx.pcap?.write(frame, capturedAt);
        if (kind === CONNECT_OUT) {
          const retry = (f.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN ? synsSeen[i]++ : undefined;
          return void book.recordFields(i, f, 'out', t, frameNo, false, retry);
        }
        ctx.counters.received++;
        book.recordFields(i, f, 'in', t, frameNo);
        if (kind === CONNECT_IN) return;
        const now = performance.now();
        const fromTarget = f.srcId === r.targetId;
        // Errors drawn by a connect scan spend the same budget the raw techniques after it will need.
        if (fromTarget) ctx.icmpBudgets.for(target).errorReceived(now);
        // Linux fails connect() at the first ICMP error over IPv4, but over IPv6 only when the SYN's
        // retransmission draws another, a second later: the error the socket will get is known now.
        const verdict = CONNECT.classify({ kind: 'icmp', ipVersion: f.ipVersion, type: f.icmpType, code: f.icmpCode, fromTarget });
        if (verdict && book.decide(i, verdict, now)) {
          answered++;
          waker.wake();
        }
      },
      (err) => {
        ctx.stoppedBy ??= err.message;
        waker.wake();
      },
    );
    capture = opened.capture;
    reader = new ConnectFrameReader(indexOfPort, opened.route.srcIp, wireTarget);
    book.knowAddresses(reader.addresses.texts);
  }

  const limit = new InFlightLimit(Math.max(16, Math.min(MAX_IN_FLIGHT, openFileLimit() - FD_MARGIN)));
  const bucket = ctx.bucket;
  const retryQueue: number[] = [];
  let retryHead = 0;
  let next = 0;
  let lastProgress = 0;
  const tries = new Uint8Array(n);
  let anyResult = false;
  const batchPorts = new Uint16Array(limit.max);
  const batchIds = new Uint32Array(limit.max);

  const progress = (now: number) => {
    lastProgress = now;
    const elapsed = (now - ctx.startedAt) / 1000;
    ctx.events.progress?.({
      scanId: ctx.plan.scanId,
      technique: 'connect',
      target,
      sent: ctx.counters.sent,
      answered,
      done: book.decided,
      total: n,
      rate: elapsed > 0 ? Math.round(ctx.counters.sent / elapsed) : 0,
    });
  };

  const reportPort = ctx.events.port && ((r: PortResult) => ctx.events.port!(r));
  // Made inside the try: its descriptors may be what runs short (EMFILE), and the capture must close then too.
  let made: ConnectAttempts | undefined;
  try {
    const attempts = new ConnectAttempts(
      (i, outcome, elapsedMs) => {
        const now = performance.now();
        anyResult = true;
        if (isLocalShortage(outcome)) {
          // Never reached the wire: not a try; the port waits until attempts in flight free what ran short.
          tries[i]!--;
          ctx.counters.sent--;
          retryQueue.push(i);
          limit.shortage(attempts.inFlight, now, outcome);
          return;
        }
        limit.progressed();
        const verdict = CONNECT.classifyOutcome(outcome);
        if (verdict) {
          rtt.sample(elapsedMs);
          if (book.decide(i, verdict, now)) answered++;
        } else if (book.isOpen(i)) {
          // (a port its captured ICMP error decided while connect() still waited is not tried again)
          if (tries[i]! <= maxRetries) retryQueue.push(i);
          else book.decide(i, CONNECT.noResponse, now);
        }
      },
      () => waker.wake(),
      // The engine's thread is gone: no attempt in flight will report, so the scan stops here, partial.
      (reason) => {
        ctx.stoppedBy ??= reason;
        waker.wake();
      },
    );
    made = attempts;
    while (book.reported < n && !ctx.signal?.aborted && ctx.stoppedBy === undefined) {
      let now = performance.now();
      const room = Math.min(limit.room(attempts.inFlight, now), anyResult ? Infinity : FIRST_ROUND - attempts.inFlight);
      let count = 0;
      while (count < room && (retryHead < retryQueue.length || next < n)) {
        if (bucket && !bucket.take(now)) break;
        const i = retryHead < retryQueue.length ? retryQueue[retryHead++]! : next++;
        // (a captured ICMP error may have decided a port while it waited for its retry)
        if (!book.isOpen(i)) continue;
        tries[i]!++;
        batchPorts[count] = ports[i]!;
        batchIds[count++] = i;
      }
      if (count > 0) {
        attempts.start(target, batchPorts, batchIds, count, rtt.timeoutMs());
        ctx.counters.sent += count;
      }
      if (retryHead > 65536) {
        retryQueue.splice(0, retryHead);
        retryHead = 0;
      }
      ctx.stoppedBy ??= limit.givenUp(now);
      now = performance.now();
      book.reportDue(now, capture ? LINGER_MS : 0, reportPort);
      if (now - lastProgress >= PROGRESS_INTERVAL_MS) progress(now);
      // Every port decided and its socket closed: the kernel sent its last packets (A, RA after a SYN/ACK) as the engine closed it.
      if (book.decided === n && attempts.inFlight === 0) break;
      const untilToken = bucket ? bucket.msUntilToken(now) : IDLE_WAKE_MS;
      await waker.sleep(Math.min(IDLE_WAKE_MS, untilToken, limit.msUntilResume(now)));
    }
    if (capture && !ctx.signal?.aborted && ctx.stoppedBy === undefined) await capture.drain();
  } finally {
    // Sockets still connecting are closed at once: a cancelled scan leaves none behind.
    made?.close();
    if (capture) {
      const { dropped } = capture.stats();
      if (dropped > 0) ctx.counters.framesLost = (ctx.counters.framesLost ?? 0) + dropped;
      capture.close();
    }
  }
  book.reportDue(performance.now(), 0, reportPort);
  // The last word on the counts: the loop reports at most every PROGRESS_INTERVAL_MS, so its last report lags the end.
  progress(performance.now());
  return book;
}

/** The soft RLIMIT_NOFILE (Node has no getrlimit); 1024, the usual default, when it cannot be read. */
function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return !m ? 1024 : m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return 1024;
  }
}
