import { isIpv6Address } from '../wire';

/**
 * A model of the ICMP error budget a Linux target keeps for us (net.ipv4.icmp_ratelimit: a token
 * bucket per destination, a burst of six, one token per 1000 ms by default). When the budget is
 * spent, a closed UDP port or a rejecting firewall answers a probe with silence, and silence reads as
 * open|filtered: a wrong state. So once a target has sent us an ICMP error, retransmissions of silent
 * ports go only when the model says a token will be there for each of them.
 *
 * The model is a lower bound, built only from evidence: what the target spent before we saw its
 * first error (other scans, other tools, an earlier run) is unknown, so that first error is taken to
 * have emptied the bucket; each later error proves a token was there, so the count never drops
 * below zero. It is kept per target (and per source address) for a whole run, across techniques:
 * a FIN scan right after a SYN scan starts with the budget the SYN scan left.
 *
 * Before that first error, silence proves nothing either: another tool may have emptied the bucket just
 * before we came, and then every closed port is silent. So until the target shows its limit, the model
 * is a bucket emptied when our probing started and refilled since: a port's last attempt, whose silence
 * decides its state, waits for a token of that bucket and holds it (mayRetry, reserve), as every
 * retransmission does once an error came. The budget only ever delays a retransmission; it never adds
 * one, so --max-retries stays a cap (nmap's meaning). Retransmissions that are not a port's last go at
 * once until the first error: a later attempt still covers them.
 *
 * The refill interval starts at Linux's default and only ever shrinks, on proof: a bucket of that
 * interval cannot have sent more than burst + elapsed/interval errors since the first one, so more
 * than that (a target with a shorter net.ipv4.icmp_ratelimit, or none) gives an upper bound on the
 * real interval, and the model takes it.
 */
export const LINUX_ICMP_BURST = 6;
export const LINUX_ICMP_INTERVAL_MS = 1000;
/** net.ipv6.icmp.ratelimit's default (read in a fresh namespace of this kernel); the burst is the same six */
export const LINUX_ICMPV6_INTERVAL_MS = 100;
/** the model never assumes a target answers faster than this, whatever it saw */
const MIN_INTERVAL_MS = 1;

export class IcmpBudget {
  private tokens = 0;
  private updatedAt = 0;
  private firstErrorAt = 0;
  private errors = 0;
  /** retransmissions sent under the budget whose answer (or silence) is still awaited */
  private outstanding = 0;
  /** whether this target has ever sent us an ICMP error: until then only last attempts are rationed */
  private limiting = false;
  private firstProbeAt = -1;

  constructor(
    private readonly burst = LINUX_ICMP_BURST,
    private intervalMs = LINUX_ICMP_INTERVAL_MS,
  ) {}

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.updatedAt) / this.intervalMs);
    this.updatedAt = now;
  }

  /** An ICMP error from the target arrived: it spent one of its tokens on us. */
  errorReceived(now: number): void {
    this.errors++;
    if (!this.limiting) {
      this.limiting = true;
      this.tokens = 0;
      this.updatedAt = this.firstErrorAt = now;
      return;
    }
    this.refill(now);
    this.tokens = Math.max(0, this.tokens - 1);
    const elapsed = now - this.firstErrorAt;
    const beyondBurst = this.errors - this.burst;
    if (beyondBurst > 0 && beyondBurst > elapsed / this.intervalMs + 1) this.intervalMs = Math.max(MIN_INTERVAL_MS, elapsed / beyondBurst);
  }

  /**
   * A technique starts probing the target (from this budget's source); the first call counts. Any
   * emptying of the bucket by someone else happened before it: until an error shows more, the model's
   * bucket is empty then and refills from there.
   */
  probingStarted(now: number): void {
    if (this.firstProbeAt >= 0) return;
    this.firstProbeAt = now;
    if (!this.limiting) this.updatedAt = now;
  }

  /**
   * Whether a retransmission may go now without risking an answer swallowed by the rate limit: once the
   * target showed its limit, when a token is free; before that, a port's last attempt only (see above).
   */
  mayRetry(now: number, lastAttempt = false): boolean {
    return this.msUntilRetry(now, lastAttempt) === 0;
  }

  /** Milliseconds until mayRetry() turns true (0 when it already is). */
  msUntilRetry(now: number, lastAttempt = false): number {
    if (!this.limiting) {
      if (!lastAttempt) return 0;
      if (this.firstProbeAt < 0) return this.intervalMs;
    }
    this.refill(now);
    const free = this.tokens - this.outstanding;
    return free >= 1 ? 0 : (1 - free) * this.intervalMs;
  }

  /** A retransmission was sent: hold a token for its answer. Returns whether one was held. */
  reserve(lastAttempt = false): boolean {
    if (!this.limiting && !lastAttempt) return false;
    this.outstanding++;
    return true;
  }

  /** A held retransmission was answered or timed out: its token is no longer held. */
  release(): void {
    if (this.outstanding > 0) this.outstanding--;
  }
}

/**
 * One budget per target (and source address) for a whole run, starting at Linux's default for the
 * target's family: ICMPv6 errors are limited apart from ICMP ones (net.ipv6.icmp.ratelimit), ten a second.
 */
export class IcmpBudgets {
  private readonly byKey = new Map<string, IcmpBudget>();

  for(target: string, source = ''): IcmpBudget {
    const key = `${target}|${source}`;
    let budget = this.byKey.get(key);
    if (!budget) this.byKey.set(key, (budget = new IcmpBudget(LINUX_ICMP_BURST, isIpv6Address(target) ? LINUX_ICMPV6_INTERVAL_MS : LINUX_ICMP_INTERVAL_MS)));
    return budget;
  }
}
