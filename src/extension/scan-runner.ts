import * as vscode from 'vscode';
import { parsePorts, portCount } from '../engine/ports';
import { HelperGoneError } from '../helper/client';
import type { ScanSummary, Technique } from '../protocol/scan';
import { readSettings } from './config';
import { showHelperError, type HelperPool } from './helper-pool';
import type { LabControl } from './lab-control';
import { labOfTarget } from './lab-targets';
import type { ResultsStore } from './results-store';
import { techniqueLabel } from './techniques';

export interface ScanRequest {
  target: string;
  techniques: Technique[];
  ports: string;
}

interface RunningScan {
  request: ScanRequest;
  cancel(): void;
}

/**
 * Runs scans through the helper and feeds the store as results arrive. Connect scans use an
 * unprivileged helper; raw techniques a privileged one; a lab target's scan runs in the lab's
 * scanner namespace.
 */
export class ScanRunner {
  private readonly running = new Set<RunningScan>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeRunning = this.changed.event;

  constructor(
    private readonly pool: HelperPool,
    private readonly store: ResultsStore,
    private readonly lab: LabControl,
  ) {}

  isRunning(): boolean {
    return this.running.size > 0;
  }

  stopAll(): number {
    const n = this.running.size;
    for (const scan of this.running) scan.cancel();
    return n;
  }

  /** Runs one scan with a cancellable progress notification; resolves with its summary, or undefined when it failed to start. */
  run(request: ScanRequest): Promise<ScanSummary | undefined> {
    const total = portCount(parsePorts(request.ports), request.techniques);
    const title = vscode.l10n.t('Scanning {0} ({1})', request.target, request.techniques.map(techniqueLabel).join(', '));
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const settings = readSettings();
        const lab = labOfTarget(request.target);
        const raw = request.techniques.some((t) => t !== 'connect');
        const done = new Map<Technique, number>();
        let reported = 0;
        const all = total * request.techniques.length;
        let scanId: string | undefined;
        let captureDir: string | undefined;
        let cancelled = false;
        let stopWaitingForHelper = () => {};
        const entry: RunningScan = {
          request,
          cancel: () => {
            cancelled = true;
            stopWaitingForHelper();
            if (scanId) void client?.cancelScan(scanId).catch(() => undefined);
          },
        };
        let client: Awaited<ReturnType<HelperPool['get']>> | undefined;
        this.running.add(entry);
        this.changed.fire();
        const cancelSub = token.onCancellationRequested(() => entry.cancel());
        try {
          progress.report({ message: vscode.l10n.t('starting the helper…') });
          // A stop while the helper starts (a password prompt, a slow namespace) ends the scan at once;
          // the helper, once up, stays in the pool for the next scan.
          const helper = this.pool.get({ raw, ...(lab ? { netns: lab.scannerNetns } : {}) });
          helper.catch(() => undefined); // a failure after a stop has no one to tell
          client = await Promise.race([helper, new Promise<undefined>((resolve) => (stopWaitingForHelper = () => resolve(undefined)))]);
          if (cancelled || !client) return undefined;
          this.store.beginScan(request.target, request.techniques, request.ports, total);
          if (lab) this.store.addTarget(request.target, lab.id);
          // The lab as it is while scanned goes with the results, so the report keeps its truth, listeners and
          // rules once the lab is down and never asks for root itself. The lab's own helper describes it (scan
          // helpers run confined and cannot read its namespaces' rules); the scan does not wait for it.
          if (lab) void this.lab.describe(lab.id).then((d) => d && this.store.recordLab(request.target, d));
          // Events may arrive before scan.start answers, so they are matched by scanId once it is known.
          const early: { scanId: string; apply: () => void }[] = [];
          const onEvent = (id: string, apply: () => void) => (scanId === undefined ? early.push({ scanId: id, apply }) : id === scanId && apply());
          const offPort = client.on('scan.port', (e) => onEvent(e.scanId, () => this.store.addResult(e.result)));
          const offProgress = client.on('scan.progress', (p) =>
            onEvent(p.scanId, () => {
              done.set(p.technique, p.done);
              this.store.progress(p.target, p.technique, p.done, p.total);
              const sum = [...done.values()].reduce((a, b) => a + b, 0);
              progress.report({
                increment: ((sum - reported) / Math.max(all, 1)) * 100,
                message: vscode.l10n.t('{0}: {1}/{2} ports, {3} probes sent', techniqueLabel(p.technique), p.done, p.total, p.sent),
              });
              reported = sum;
            }),
          );
          let summary: ScanSummary;
          try {
            const started = await client.startScan({
              targets: [request.target],
              ports: request.ports,
              techniques: request.techniques,
              rate: settings.rate,
              maxRetries: settings.maxRetries,
              ...(settings.allowedTargets.length > 0 ? { allowTargets: settings.allowedTargets } : {}),
            });
            scanId = started.scanId;
            captureDir = started.captureDir;
            for (const e of early.splice(0)) if (e.scanId === scanId) e.apply();
            if (cancelled) void client.cancelScan(scanId).catch(() => undefined);
            summary = await client.waitForScan(scanId);
          } finally {
            offPort();
            offProgress();
          }
          this.store.finishScan(summary, [request.target]);
          if (summary.error) void vscode.window.showErrorMessage(summary.error);
          return summary;
        } catch (err) {
          this.store.finishScan({ scanId: scanId ?? '', partial: true, techniques: [] }, [request.target], captureDir);
          // Not awaited: the message waits for the user, the scan's caller should not.
          if (err instanceof HelperGoneError && scanId)
            void vscode.window.showErrorMessage(
              vscode.l10n.t('The scan of {0} stopped: {1}. The ports found so far stay in the tree, marked partial.', request.target, err.message),
            );
          else void showHelperError(err);
          return undefined;
        } finally {
          cancelSub.dispose();
          this.running.delete(entry);
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
