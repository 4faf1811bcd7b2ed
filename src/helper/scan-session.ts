import type { PortResult, ScanProgress, ScanSummary } from '../protocol';
import { HelperGoneMidScanError } from './client-errors';
import type { ResultOf } from './validate';

/** Where the helper runs an accepted scan: its id, and the directory of its captures. */
export type StartedScan = ResultOf<'scan.start'>;

/** A scan that reached its scan.done: complete, or partial when cancelled or stopped by a fault. */
export interface FinishedScan extends StartedScan {
  summary: ScanSummary;
  /** every port the helper reported, in the order it reported them */
  results: PortResult[];
}

export interface ScanSessionOptions {
  /** the ports' results as the helper decides them, a batch every few milliseconds, in order (final when delivered) */
  ports?(results: readonly PortResult[]): void;
  progress?(p: ScanProgress): void;
  /** cancels the scan when aborted, also while the helper has not yet accepted it */
  signal?: AbortSignal;
}

/**
 * One scan in the helper, from scan.start to scan.done: the same for the extension, the CLI and the
 * tests. Its events reach the options' handlers as they come, those that came before the helper's
 * answer to scan.start included.
 */
export interface ScanSession {
  /** resolves once the helper accepted the scan; rejects with HelperRequestError when it refused, HelperGoneError when it went first */
  readonly started: Promise<StartedScan>;
  /**
   * resolves at the scan's scan.done, partial when it was cancelled; rejects as `started` does, or with
   * HelperGoneMidScanError (holding the ports reported until then) when the helper went during the scan
   */
  readonly finished: Promise<FinishedScan>;
  /** the ports reported so far */
  readonly results: readonly PortResult[];
  /** asks the helper to stop the scan (once it has accepted it, if it has not yet); `finished` then resolves, partial */
  cancel(): void;
}

/** What the client tells a session: the helper's answer to scan.start, the scan's events, the helper's going. */
interface ScanSessionFeed {
  onStarted(scan: StartedScan): void;
  onRefused(err: unknown): void;
  onPorts(results: readonly PortResult[]): void;
  /** the helper sent this scan results that were refused: the scan ends partial, saying so */
  onRefusedResults(problem: string): void;
  onProgress(p: ScanProgress): void;
  onDone(summary: ScanSummary): void;
  onHelperGone(reason: string): void;
}

/** A scan's summary quotes this many refused messages at most. */
const MAX_REFUSALS_TOLD = 3;

/** A session as the client drives it; whoever started the scan sees only its ScanSession side. */
export class HelperScanSession implements ScanSession, ScanSessionFeed {
  readonly started: Promise<StartedScan>;
  readonly finished: Promise<FinishedScan>;
  readonly results: PortResult[] = [];
  private scan: StartedScan | undefined;
  private cancelWanted = false;
  private over = false;
  /** the first refusals, word for word, and how many there were (a hostile helper may send no end of them) */
  private readonly refusals: string[] = [];
  private refusalCount = 0;
  private settleStarted!: { resolve(scan: StartedScan): void; reject(err: unknown): void };
  private settleFinished!: { resolve(scan: FinishedScan): void; reject(err: unknown): void };
  private readonly onAbort = () => this.cancel();

  constructor(
    private readonly options: ScanSessionOptions,
    private readonly requestCancel: (scanId: string) => Promise<unknown>,
  ) {
    this.started = new Promise((resolve, reject) => (this.settleStarted = { resolve, reject }));
    this.finished = new Promise((resolve, reject) => (this.settleFinished = { resolve, reject }));
    // A caller may wait for one of the two only; the other's rejection is then nobody's to handle.
    void this.started.catch(() => undefined);
    void this.finished.catch(() => undefined);
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (options.signal?.aborted) this.cancel();
  }

  cancel(): void {
    if (this.over || this.cancelWanted) return;
    this.cancelWanted = true;
    if (this.scan) this.sendCancel(this.scan.scanId);
  }

  onStarted(scan: StartedScan): void {
    this.scan = scan;
    this.settleStarted.resolve(scan);
    if (this.cancelWanted) this.sendCancel(scan.scanId);
  }

  onRefused(err: unknown): void {
    this.end();
    this.settleStarted.reject(err);
    this.settleFinished.reject(err);
  }

  onPorts(results: readonly PortResult[]): void {
    if (this.over || results.length === 0) return;
    for (const r of results) this.results.push(r);
    this.options.ports?.(results);
  }

  onRefusedResults(problem: string): void {
    if (this.over) return;
    if (this.refusalCount++ < MAX_REFUSALS_TOLD) this.refusals.push(problem);
  }

  onProgress(p: ScanProgress): void {
    if (!this.over) this.options.progress?.(p);
  }

  onDone(summary: ScanSummary): void {
    if (this.over || !this.scan) return;
    this.end();
    this.settleFinished.resolve({ ...this.scan, summary: this.withRefusals(summary), results: this.results });
  }

  onHelperGone(reason: string): void {
    if (this.over || !this.scan) return;
    this.end();
    this.settleFinished.reject(new HelperGoneMidScanError(reason, this.scan, this.results));
  }

  /** A summary that says so when results of the scan were refused: the results are then incomplete. */
  private withRefusals(summary: ScanSummary): ScanSummary {
    if (this.refusalCount === 0) return summary;
    const more = this.refusalCount > this.refusals.length ? ` and ${this.refusalCount - this.refusals.length} more` : '';
    const refused = `the helper sent results that do not match the protocol, and this client refused them: ${this.refusals.join('; ')}${more}`;
    return { ...summary, partial: true, error: summary.error ? `${summary.error}; ${refused}` : refused };
  }

  /** A helper that has gone fails the cancel too; its going ends the session on its own. */
  private sendCancel(scanId: string): void {
    void this.requestCancel(scanId).catch(() => undefined);
  }

  private end(): void {
    this.over = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}
