import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../base/errors';
import { portsFor } from '../engine/ports';
import { runScan } from '../engine/scan';
import type { ScanEvents, ScanOutcome, ScanPlan } from '../engine/scan-plan';
import { portlabCliPath } from '../helper/cli-path';
import { HelperGoneMidScanError, startHelper, type HelperClient } from '../helper/client';
import { HelperLaunchError } from '../helper/launch';
import { scanStartParams, type ScanRequestExtras } from '../helper/scan-params';
import { hasCapNetRaw } from '../link';
import { capturePath } from '../output/out-folder';
import { documentResults, resultTexts } from '../output/result-source';
import type { ParamsOf } from '../helper/validate';
import type { DiscoveredHost, PortResult, ScanSummary, Technique, TechniqueSummary } from '../protocol';

/**
 * Without CAP_NET_RAW the CLI runs raw scans and discovery through the privileged helper, started by
 * the same launcher as the extension's (the helper `portlab setup-privileges` installed, pkexec in a
 * graphical session, else sudo: asking on the terminal when the CLI runs in one, `sudo -n` when not),
 * and gives the same stdout, files and progress as when it runs them itself.
 */
export function needsHelper(techniques: readonly Technique[]): boolean {
  return techniques.some((t) => t !== 'connect') && !hasCapNetRaw();
}

/** runScan when this process may run the plan itself, else the same scan through the helper (which takes `extras` besides the plan). */
export function runScanHereOrViaHelper(plan: ScanPlan, extras: ScanRequestExtras, events: ScanEvents, signal?: AbortSignal): Promise<ScanOutcome> {
  return needsHelper(plan.techniques) ? scanViaHelper(plan, extras, events, signal) : runScan(plan, events, signal);
}

export async function discoverViaHelper(params: ParamsOf<'discover'>, signal: AbortSignal): Promise<DiscoveredHost[]> {
  return withHelper(params.allowTargets ?? [], (client) => {
    // Closing the helper (the finally of withHelper) stops a sweep that Ctrl-C interrupted.
    const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new UserError('discovery interrupted')), { once: true }));
    return Promise.race([client.discover(params), aborted]);
  });
}

async function scanViaHelper(plan: ScanPlan, extras: ScanRequestExtras, events: ScanEvents, signal?: AbortSignal): Promise<ScanOutcome> {
  return withHelper(extras.allowTargets, async (client) => {
    const session = client.scan(scanStartParams(plan, extras), {
      ports: (results) => {
        for (const r of results) events.port?.(r);
      },
      progress: (p) => events.progress?.({ ...p, scanId: plan.scanId }),
      ...(signal ? { signal } : {}),
    });
    let summary: ScanSummary;
    let received: readonly PortResult[];
    try {
      const finished = await session.finished;
      const { scanner: _helperHost, ...own } = finished.summary;
      summary = { ...own, techniques: takeCaptures(own.techniques, finished.captureDir, plan.captureDir) };
      received = finished.results;
    } catch (err) {
      if (!(err instanceof HelperGoneMidScanError)) throw err;
      // No scan.done, so no list of captures to take: they stay where the helper wrote them.
      summary = { scanId: err.scanId, partial: true, error: `${err.message} (${err.captureDir})`, techniques: [] };
      received = err.results;
    }
    const results = documentResults(inPlanOrder(plan, received));
    return {
      summary: { ...summary, scanId: plan.scanId },
      results,
      bareResults: results,
      resultsJson: (pretty) => resultTexts(results(), pretty),
    };
  });
}

/**
 * Starts the helper for one job and closes it afterwards. A launch that fails becomes a UserError:
 * the CLI prints its explanation and fix on one line and exits 2.
 */
async function withHelper<T>(allowTargets: string[], job: (client: HelperClient) => Promise<T>): Promise<T> {
  const captureRoot = helperCaptureRoot();
  let client: HelperClient;
  try {
    client = await startHelper({
      cliPath: portlabCliPath(),
      captureDir: captureRoot.path,
      ownSession: true,
      ...(allowTargets.length > 0 ? { allowTargets } : {}),
    });
  } catch (err) {
    captureRoot.dispose();
    if (err instanceof HelperLaunchError) throw new UserError(err.message.replace(/\s*\n\s*/g, ' '));
    throw err;
  }
  try {
    return await job(client);
  } finally {
    await client.close();
    captureRoot.dispose();
  }
}

/**
 * The helper's capture directory: created by this user before the helper starts, so that a helper
 * running as root hands its captures to this user (ScanRegistry gives them to the directory's owner).
 * A fixed path keeps the helper's command line the same from scan to scan, as a sudoers rule needs.
 */
function helperCaptureRoot(): { path: string; dispose(): void } {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const fixed = join(cache, 'portlab', 'helper-captures');
  try {
    mkdirSync(fixed, { recursive: true, mode: 0o700 });
    return { path: fixed, dispose: () => undefined };
  } catch {
    const temporary = mkdtempSync(join(tmpdir(), 'portlab-helper-'));
    return { path: temporary, dispose: () => rmSync(temporary, { recursive: true, force: true }) };
  }
}

/**
 * Moves each pcap from the helper's scan directory to the --out directory, where the CLI writes it
 * when it scans itself; without --out the helper's copies are removed, as the CLI writes none.
 */
function takeCaptures(techniques: TechniqueSummary[], helperDir: string, outDir: string | undefined): TechniqueSummary[] {
  const moved = new Map<string, { path: string; note?: string }>();
  const taken = techniques.map((t): TechniqueSummary => {
    const { capture, ...rest } = t;
    if (capture === undefined || outDir === undefined) return rest;
    let place = moved.get(capture);
    if (!place) {
      const destination = capturePath(outDir, t.technique);
      try {
        moveFile(capture, destination);
        place = { path: destination };
      } catch (err) {
        place = { path: capture, note: `the capture stayed in ${capture}: ${(err as Error).message}` };
      }
      moved.set(capture, place);
    }
    const note = [t.note, place.note].filter(Boolean).join('; ');
    return { ...rest, capture: place.path, ...(note ? { note } : {}) };
  });
  if ([...moved.values()].every((p) => p.note === undefined)) {
    try {
      rmSync(helperDir, { recursive: true, force: true });
    } catch {
      // a helper that could not hand its files over leaves them root's: they stay, named in no result
    }
  }
  return taken;
}

function moveFile(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    copyFileSync(from, to);
    unlinkSync(from);
  }
}

/** Results in runScan's order: techniques as planned, then targets, then the port list's order. */
function inPlanOrder(plan: ScanPlan, results: readonly PortResult[]): PortResult[] {
  const portIndex = new Map<Technique, Map<number, number>>(plan.techniques.map((t) => [t, new Map(portsFor(plan.ports, t).map((p, i) => [p, i]))]));
  const rank = (r: PortResult) => [plan.techniques.indexOf(r.technique), plan.targets.indexOf(r.target), portIndex.get(r.technique)?.get(r.port) ?? 0];
  return results
    .map((r) => ({ r, key: rank(r) }))
    .sort((a, b) => a.key[0]! - b.key[0]! || a.key[1]! - b.key[1]! || a.key[2]! - b.key[2]!)
    .map(({ r }) => r);
}
