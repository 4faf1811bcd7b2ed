import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { chown, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../engine/errors';
import { parsePorts, type PortSpec } from '../engine/ports';
import { runScan } from '../engine/scan';
import { scannerInfo } from '../engine/scanner-info';
import type { ScanPlan } from '../engine/scan-plan';
import { ScopeGuard } from '../engine/scope';
import { parseSourceIps } from '../engine/source-ips';
import type { PortResult, ScanProgress, ScanStartParams, ScanSummary } from '../protocol';

export const MAX_CONCURRENT_SCANS = 4;
/** scan.progress at most this often per scan and technique; a port's final result is never held back. */
const PROGRESS_INTERVAL_MS = 200;

export interface ScanSink {
  progress(p: ScanProgress): void;
  port(scanId: string, r: PortResult): void;
  done(s: ScanSummary): void;
}

interface RunningScan {
  abort: AbortController;
  finished: Promise<void>;
}

/** An error whose message names the request field that caused it. */
export class FieldError extends UserError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The helper's scans: each in `<captureDir>/<scanId>/`, at most MAX_CONCURRENT_SCANS at a time. */
export class ScanRegistry {
  private readonly running = new Map<string, RunningScan>();

  constructor(
    private readonly captureRoot: string,
    private readonly sink: ScanSink,
    private readonly limit = MAX_CONCURRENT_SCANS,
  ) {}

  get size(): number {
    return this.running.size;
  }

  /**
   * Scope-checks the targets and parses the ports before anything is sent, creates the scan's capture
   * directory, starts the scan and returns at once; results follow as events.
   */
  async start(params: ScanStartParams): Promise<{ scanId: string; captureDir: string }> {
    if (this.running.size >= this.limit)
      throw new UserError(`${this.limit} scans are already running; wait for one to finish or cancel one (scan.cancel)`);
    let guard: ScopeGuard;
    try {
      guard = new ScopeGuard(params.allowTargets ?? []);
    } catch (err) {
      throw new FieldError('params.allowTargets', (err as Error).message);
    }
    const targets = await this.resolveTargets(guard, params.targets);
    let ports: PortSpec;
    try {
      ports = parsePorts(params.ports);
    } catch (err) {
      throw new FieldError('params.ports', (err as Error).message);
    }
    let sourceIps: string[] | undefined;
    try {
      sourceIps = params.sourceIps === undefined ? undefined : parseSourceIps(params.sourceIps);
    } catch (err) {
      throw new FieldError('params.sourceIps', (err as Error).message);
    }
    if (this.running.size >= this.limit)
      throw new UserError(`${this.limit} scans are already running; wait for one to finish or cancel one (scan.cancel)`);

    const scanId = `scan-${randomBytes(6).toString('hex')}`;
    const captureDir = join(this.captureRoot, scanId);
    // Synchronous, so that nothing runs between the limit check above and taking the slot below: with
    // an awaited mkdir, starts arriving together all passed the check and a fifth scan ran.
    mkdirSync(captureDir, { mode: 0o700 });
    const plan: ScanPlan = {
      scanId,
      targets,
      ports,
      techniques: [...new Set(params.techniques)],
      captureDir,
      ...(params.rate !== undefined ? { rate: params.rate } : {}),
      ...(params.maxRetries !== undefined ? { maxRetries: params.maxRetries } : {}),
      ...(params.iface !== undefined ? { iface: params.iface } : {}),
      ...(sourceIps !== undefined ? { sourceIps } : {}),
    };
    const abort = new AbortController();
    const finished = this.run(plan, abort.signal).finally(() => this.running.delete(scanId));
    this.running.set(scanId, { abort, finished });
    return { scanId, captureDir };
  }

  cancel(scanId: string): boolean {
    const scan = this.running.get(scanId);
    if (!scan) return false;
    scan.abort.abort();
    return true;
  }

  /** Cancels every scan and waits (bounded) for each to close its pcap and report scan.done. */
  async stopAll(timeoutMs: number): Promise<void> {
    const scans = [...this.running.values()];
    for (const s of scans) s.abort.abort();
    await Promise.race([Promise.allSettled(scans.map((s) => s.finished)), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  private async resolveTargets(guard: ScopeGuard, targets: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const [i, target] of targets.entries()) {
      try {
        for (const address of await guard.resolve([target])) if (!out.includes(address)) out.push(address);
      } catch (err) {
        throw new FieldError(`params.targets[${i}]`, (err as Error).message);
      }
    }
    return out;
  }

  private async run(plan: ScanPlan, signal: AbortSignal): Promise<void> {
    const throttle = new ProgressThrottle(this.sink);
    let summary: ScanSummary;
    try {
      const outcome = await runScan(
        plan,
        {
          progress: (p) => throttle.push(p),
          port: (r) => this.sink.port(plan.scanId, r),
        },
        signal,
      );
      summary = { ...outcome.summary, scanner: scannerInfo(plan.targets[0], plan.iface) };
    } catch (err) {
      summary = { scanId: plan.scanId, partial: true, error: err instanceof Error ? err.message : String(err), techniques: [] };
    }
    throttle.flush();
    await this.giveCapturesToOwner(plan.captureDir!);
    this.sink.done(summary);
  }

  /**
   * When the helper runs as root for a student (pkexec, sudo), its 0600 captures would be root's and
   * unreadable to the student's editor: hand them to whoever owns the capture directory.
   */
  private async giveCapturesToOwner(dir: string): Promise<void> {
    try {
      const owner = await stat(this.captureRoot);
      if (owner.uid === process.getuid?.()) return;
      await chown(dir, owner.uid, owner.gid);
      for (const name of await readdir(dir)) await chown(join(dir, name), owner.uid, owner.gid);
    } catch {
      // the captures stay root's; the report then names their path without opening them
    }
  }
}

/** Trailing-edge throttle per (scan, technique, target): the latest counts win, nothing is sent twice. */
class ProgressThrottle {
  private readonly pending = new Map<string, ScanProgress>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sink: ScanSink) {}

  push(p: ScanProgress): void {
    this.pending.set(`${p.technique}/${p.target}`, p);
    if (p.done === p.total) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), PROGRESS_INTERVAL_MS);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const p of this.pending.values()) this.sink.progress(p);
    this.pending.clear();
  }
}
