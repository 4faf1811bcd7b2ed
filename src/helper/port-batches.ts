import type { PortResult } from '../protocol';

/**
 * A batch leaves at most this long after its first result: the editor's tree and webview still fill
 * live, while a full-range scan sends some hundred messages instead of 65,535.
 */
const PORT_BATCH_DELAY_MS = 15;
/** A batch leaves at once when it holds this many results (a JSON message of about 300 KB). */
const PORT_BATCH_MAX = 1000;

/**
 * Gathers each scan's port results into batches, in the order they were decided, and hands a batch
 * on when it is full, when its delay is up, or when the scan's other events must follow it (flush).
 */
export class PortBatches {
  private readonly pending = new Map<string, { results: PortResult[]; timer: NodeJS.Timeout }>();

  constructor(
    private readonly send: (scanId: string, results: PortResult[]) => void,
    private readonly maxResults = PORT_BATCH_MAX,
    private readonly delayMs = PORT_BATCH_DELAY_MS,
  ) {}

  add(scanId: string, result: PortResult): void {
    let batch = this.pending.get(scanId);
    if (!batch) {
      batch = { results: [], timer: setTimeout(() => this.flush(scanId), this.delayMs) };
      this.pending.set(scanId, batch);
    }
    batch.results.push(result);
    if (batch.results.length >= this.maxResults) this.flush(scanId);
  }

  /** Sends what the scan has gathered; call before any later event of the scan, so that none overtakes its ports. */
  flush(scanId: string): void {
    const batch = this.pending.get(scanId);
    if (!batch) return;
    clearTimeout(batch.timer);
    this.pending.delete(scanId);
    this.send(scanId, batch.results);
  }
}
