import * as vscode from 'vscode';
import { parsePorts, portCount } from '../engine/ports';
import { HelperGoneMidScanError } from '../helper/client';
import type { ScanProgress, ScanSummary, Technique } from '../protocol/scan';
import { readSettings } from './config';
import type { ScanSession, ScanSessionOptions } from '../helper/scan-session';
import type { ScanStartParams } from '../protocol/rpc';
import { HelperStartCancelled, showHelperError, type HelperPool } from './helper-pool';
import { scanInProcess } from './in-process-scan';
import { routeOfScan, upLabDescription } from './lab-targets';
import type { ResultsStore } from './results-store';
import { techniqueLabel } from './techniques';

export interface ScanRequest {
  target: string;
  techniques: Technique[];
  ports: string;
  /** the idle scan's zombie as typed, ZOMBIE[:PROBEPORT] */
  zombie?: string;
}

/**
 * Runs scans and feeds the store as results arrive. Where a scan runs is scanRoute's choice: a connect
 * scan in the extension host itself, raw techniques in the window's scan helper, a lab target over the
 * host's link to it or from the lab's scanner namespace.
 */
export class ScanLauncher {
  /** what stops each running scan */
  private readonly running = new Set<AbortController>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeRunning = this.changed.event;

  constructor(
    private readonly pool: HelperPool,
    private readonly store: ResultsStore,
  ) {}

  isRunning(): boolean {
    return this.running.size > 0;
  }

  stopAll(): number {
    const n = this.running.size;
    for (const stop of this.running) stop.abort();
    return n;
  }

  /** Runs one scan with a cancellable progress notification; resolves with its summary, or undefined when it failed to start. */
  run(request: ScanRequest): Promise<ScanSummary | undefined> {
    const total = portCount(parsePorts(request.ports), request.techniques);
    const title = vscode.l10n.t('Scanning {0} ({1})', request.target, request.techniques.map(techniqueLabel).join(', '));
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const settings = readSettings();
        const raw = request.techniques.some((t) => t !== 'connect');
        const { route, lab } = routeOfScan(request.target, raw);
        const stop = new AbortController();
        this.running.add(stop);
        this.changed.fire();
        const cancelSub = token.onCancellationRequested(() => stop.abort());
        try {
          const params: ScanStartParams = {
            targets: [request.target],
            ports: request.ports,
            techniques: request.techniques,
            rate: settings.rate,
            maxRetries: settings.maxRetries,
            ...(settings.allowedTargets.length > 0 ? { allowTargets: settings.allowedTargets } : {}),
            ...(request.zombie !== undefined ? { zombie: request.zombie } : {}),
          };
          const events: ScanSessionOptions = {
            ports: (results) => this.store.addResults(results),
            progress: reportProgress(this.store, progress, total * request.techniques.length),
            signal: stop.signal,
          };
          let session: ScanSession;
          if (route.kind === 'in-process') {
            this.store.beginScan(request.target, request.techniques, request.ports, total);
            session = scanInProcess(params, this.pool.captureDir(), settings.allowedTargets, events);
          } else {
            progress.report({ message: vscode.l10n.t('starting the helper…') });
            // A stop while the helper starts (a password prompt, a slow namespace) ends the scan at once;
            // the helper, once up, stays in the pool for the next scan.
            const client = await unlessAborted(this.pool.get({ raw: route.raw, ...(route.netns ? { netns: route.netns } : {}) }), stop.signal);
            if (!client) return undefined;
            this.store.beginScan(request.target, request.techniques, request.ports, total);
            session = client.scan(params, events);
          }
          if (lab) this.store.addTarget(request.target, lab.id);
          // The lab as it is while scanned goes with the results, so the report keeps its truth, listeners and
          // rules once the lab is down. `lab up` saved it for every user to read: no helper, no root.
          const description = lab ? upLabDescription(lab.id) : undefined;
          if (description) this.store.recordLab(request.target, description);
          const { summary } = await session.finished;
          this.store.finishScan(summary, [request.target]);
          if (summary.error) void vscode.window.showErrorMessage(summary.error);
          return summary;
        } catch (err) {
          if (err instanceof HelperStartCancelled) {
            void vscode.window.showInformationMessage(vscode.l10n.t('The scan of {0} was cancelled: no password was given.', request.target));
            return undefined;
          }
          const lost = err instanceof HelperGoneMidScanError ? err : undefined;
          this.store.finishScan({ scanId: lost?.scanId ?? '', partial: true, techniques: [] }, [request.target], lost?.captureDir);
          // Not awaited: the message waits for the user, the scan's caller should not.
          if (lost)
            void vscode.window.showErrorMessage(
              vscode.l10n.t('The scan of {0} stopped: {1}. The ports found so far stay in the tree, marked partial.', request.target, lost.message),
            );
          else void showHelperError(err);
          return undefined;
        } finally {
          cancelSub.dispose();
          this.running.delete(stop);
          this.changed.fire();
        }
      }),
    );
  }

  dispose(): void {
    this.stopAll();
    this.changed.dispose();
  }
}

/** `pending`'s value, or undefined as soon as `signal` aborts; a failure after the abort has no one to tell. */
function unlessAborted<T>(pending: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  void pending.catch(() => undefined);
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    void pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Shows the scan's progress as the helper reports it, per technique, in the notification and the tree. */
function reportProgress(store: ResultsStore, progress: vscode.Progress<{ message?: string; increment?: number }>, all: number): (p: ScanProgress) => void {
  const done = new Map<Technique, number>();
  let reported = 0;
  return (p) => {
    done.set(p.technique, p.done);
    store.progress(p.target, p.technique, p.done, p.total);
    const sum = [...done.values()].reduce((a, b) => a + b, 0);
    progress.report({
      increment: ((sum - reported) / Math.max(all, 1)) * 100,
      message: vscode.l10n.t('{0}: {1}/{2} ports, {3} probes sent', techniqueLabel(p.technique), p.done, p.total, p.sent),
    });
    reported = sum;
  };
}
