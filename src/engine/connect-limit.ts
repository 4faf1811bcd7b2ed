/** After a shortage with nothing in flight, nothing will free a descriptor for us: wait this long before trying again. */
const SHORTAGE_PAUSE_MS = 10;
/** A shortage that lasts this long with no attempt getting through is not going to end by itself. */
const SHORTAGE_GIVE_UP_MS = 10_000;

/**
 * How many connect() attempts a connect scan keeps in flight. Each holds a file descriptor (and an
 * ephemeral port), so when the host runs short (EMFILE, ENFILE, EADDRNOTAVAIL…) the limit drops to what
 * was in flight then, and climbs back by one per attempt that got through.
 */
export class InFlightLimit {
  private current: number;
  private resumeAt = 0;
  /** when the shortage began that no attempt has got through since */
  private shortSince: number | undefined;
  private shortOf = '';

  constructor(readonly max: number) {
    this.current = max;
  }

  /** how many attempts may start now, with `inFlight` running */
  room(inFlight: number, now: number): number {
    return now < this.resumeAt ? 0 : Math.max(0, this.current - inFlight);
  }

  /** an attempt failed for lack of `errno` on this host, with `inFlight` others still running */
  shortage(inFlight: number, now: number, errno: string): void {
    this.current = Math.max(1, Math.min(this.current, inFlight));
    if (inFlight === 0) this.resumeAt = now + SHORTAGE_PAUSE_MS;
    this.shortSince ??= now;
    this.shortOf = errno;
  }

  /** an attempt reached the wire and ended */
  progressed(): void {
    this.shortSince = undefined;
    if (this.current < this.max) this.current++;
  }

  /** ms until attempts may start again after a pause, or Infinity when none holds them back */
  msUntilResume(now: number): number {
    return now < this.resumeAt ? this.resumeAt - now : Infinity;
  }

  /** why the scan must stop, once a shortage has outlasted SHORTAGE_GIVE_UP_MS */
  givenUp(now: number): string | undefined {
    if (this.shortSince === undefined || now - this.shortSince < SHORTAGE_GIVE_UP_MS) return undefined;
    return `connect() failed with ${this.shortOf} for ${SHORTAGE_GIVE_UP_MS / 1000} s with no attempt getting through: this process is out of file descriptors or local ports (raise ulimit -n, or scan fewer targets at once)`;
  }
}
