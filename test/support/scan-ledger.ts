import type { Message, NotificationMessage, ResponseMessage } from 'vscode-jsonrpc/node';
import type { ScanSummary } from '../../src/protocol';

export interface LedgerScan {
  params: unknown;
  cancelled: boolean;
  results: number;
  done: ScanSummary[];
}

/**
 * What a helper said about the scans a client asked for, as each message arrived: which scan.start
 * requests started a scan (and which the concurrency limit refused), which scan.cancel found a live
 * scan, how many port results (in scan.ports batches) and scan.done each scan sent. Messages of scans whose start answer
 * was lost or comes later are kept by scan id, so nothing is missed whatever the order.
 */
export class ScanLedger {
  readonly scans = new Map<string, LedgerScan>();
  refusedAtLimit = 0;
  mostLiveAtOnce = 0;
  private readonly starts = new Map<number | string, unknown>();
  private readonly cancels = new Map<number | string, string>();

  /** Call when sending a scan.start request. */
  started(id: number | string, params: unknown): void {
    this.starts.set(id, params);
  }

  /** Call when sending a scan.cancel request. */
  cancelling(id: number | string, scanId: string): void {
    this.cancels.set(id, scanId);
  }

  /** True once the helper answered the start request `id` (never, if framing damage swallowed it). */
  answered(id: number | string): boolean {
    return !this.starts.has(id);
  }

  live(): string[] {
    return [...this.scans].filter(([, s]) => s.done.length === 0 && s.params !== undefined).map(([id]) => id);
  }

  see(m: Message): void {
    if ('method' in m && !('id' in m)) {
      const n = m as NotificationMessage;
      const scanId = (n.params as { scanId?: unknown } | undefined)?.scanId;
      if (typeof scanId !== 'string') return;
      if (n.method === 'scan.ports') this.scan(scanId).results += (n.params as { results: unknown[] }).results.length;
      else if (n.method === 'scan.done') this.scan(scanId).done.push(n.params as ScanSummary);
      return;
    }
    const r = m as ResponseMessage;
    if (r.id === null || r.id === undefined) return;
    if (this.starts.has(r.id)) {
      const params = this.starts.get(r.id);
      this.starts.delete(r.id);
      const scanId = (r.result as { scanId?: unknown } | undefined)?.scanId;
      if (typeof scanId === 'string') {
        this.scan(scanId).params = params;
        this.mostLiveAtOnce = Math.max(this.mostLiveAtOnce, this.live().length);
      } else if (/scans are already running/.test(r.error?.message ?? '')) this.refusedAtLimit++;
    } else if (this.cancels.has(r.id)) {
      const scanId = this.cancels.get(r.id)!;
      this.cancels.delete(r.id);
      if ((r.result as { cancelled?: unknown } | undefined)?.cancelled === true) this.scan(scanId).cancelled = true;
    }
  }

  private scan(scanId: string): LedgerScan {
    let s = this.scans.get(scanId);
    if (!s) this.scans.set(scanId, (s = { params: undefined, cancelled: false, results: 0, done: [] }));
    return s;
  }
}
