import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { discoverHosts, expandTargets } from '../engine/discover';
import { OptionValueError, UserError, type UserErrorKind } from '../base/errors';
import { parsePorts, type PortSpec } from '../engine/ports';
import { runScan } from '../engine/scan';
import { scannerInfo } from '../engine/scanner-info';
import type { ScanPlan, Zombie } from '../engine/scan-plan';
import { resolveZombie } from '../engine/idle/zombie-spec';
import { checkOneIpVersion, ipVersionOf, rangeWithin, ScopeGuard } from '../engine/scope';
import { checkSourceIps, parseSourceIps } from '../wire/source-ips';
import { assertInterfaceUp, findRoute, type Route } from '../link';
import { ipv4AddressesOf } from '../link/route';
import type { DiscoveredHost, PortResult, ScanProgress, ScanStartParams, ScanSummary } from '../protocol';
import { ensurePrivateDirectory } from './capture-dir';
import { scanPlanOf } from './scan-params';
import type { ParamsOf } from './validate';

/** Scans and discoveries running at once, together. */
export const MAX_CONCURRENT_SCANS = 4;
/** scan.progress at most this often per scan and technique; a port's final result is never held back. */
const PROGRESS_INTERVAL_MS = 200;

export interface ScanSink {
  progress(p: ScanProgress): void;
  port(scanId: string, r: PortResult): void;
  done(s: ScanSummary): void;
}

interface RunningJob {
  kind: 'scan' | 'discover';
  abort: AbortController;
  finished: Promise<unknown>;
}

/** Routing and interface failures while a discovery is planned: they are about the addresses or the interface asked for. */
const ROUTING_KINDS: readonly UserErrorKind[] = ['no-route', 'interface-unusable'];

/** An error whose message names the request field that caused it (instead of the CLI option an engine message names). */
export class FieldError extends UserError {
  constructor(
    readonly field: string,
    message: string,
    kind?: UserErrorKind,
  ) {
    super(`${field}: ${message}`, kind);
  }

  /** `err` as a FieldError naming `field`, without the command-line option its message names. */
  static naming(field: string, err: UserError): FieldError {
    return new FieldError(field, err instanceof OptionValueError ? err.problem : err.message, err.kind);
  }
}

/** Runs `fn`, turning its UserError into a FieldError naming `field`. */
function naming<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UserError && !(err instanceof FieldError)) throw FieldError.naming(field, err);
    throw err;
  }
}

/**
 * The helper's scans (each in `<captureDir>/<scanId>/`) and discoveries: at most `limit` of them at a
 * time, each stopped when cancelled or when the client goes. A request's extra ranges (allowTargets)
 * must lie inside those the helper was started with.
 */
export class ScanRegistry {
  private readonly running = new Map<string, RunningJob>();
  private discoveries = 0;

  constructor(
    private readonly captureRoot: string,
    private readonly sink: ScanSink,
    private readonly launchAllowTargets: readonly string[] = [],
    private readonly limit = MAX_CONCURRENT_SCANS,
  ) {}

  get size(): number {
    return this.running.size;
  }

  /**
   * Checks everything the request names before anything is sent: scope, ports, the interface and a
   * route to each target, the source addresses against the interface's subnet; then creates the
   * scan's capture directory, starts the scan and returns at once; results follow as events.
   */
  async start(params: ScanStartParams): Promise<{ scanId: string; captureDir: string }> {
    this.checkLimit();
    const guard = this.guardFor(params.allowTargets);
    const iface = params.iface;
    if (iface !== undefined) naming('params.iface', () => assertInterfaceUp(iface));
    const { targets, routes } = await this.resolveTargets(guard, params.targets, iface);
    const ports: PortSpec = naming('params.ports', () => parsePorts(params.ports));
    const zombie = await this.resolveZombie(guard, params, targets, iface);
    const sourceIps =
      params.sourceIps === undefined ? undefined : naming('params.sourceIps', () => checkSources(parseSourceIps(params.sourceIps!), targets, routes, params));
    this.checkLimit();

    const scanId = `scan-${randomBytes(6).toString('hex')}`;
    const captureDir = join(this.captureRoot, scanId);
    // Synchronous, so that nothing runs between the limit check above and taking the slot below: with
    // an awaited mkdir, starts arriving together all passed the check and a fifth scan ran.
    ensurePrivateDirectory(this.captureRoot, { recursive: true });
    ensurePrivateDirectory(captureDir);
    const plan = scanPlanOf(params, { scanId, captureDir, targets, ports, sourceIps, zombie });
    const abort = new AbortController();
    const finished = this.run(plan, abort.signal).finally(() => this.running.delete(scanId));
    this.running.set(scanId, { kind: 'scan', abort, finished });
    return { scanId, captureDir };
  }

  /**
   * A host discovery, counted against the same limit as scans. Its params are checked (each error
   * naming its field) before a packet is sent; `cancelled` (the client's $/cancelRequest) or stopAll (the
   * client gone) stops the sweep, and a stopped sweep is an error, not a short list passed off as complete.
   */
  async discover(params: ParamsOf<'discover'>, cancelled?: AbortSignal): Promise<DiscoveredHost[]> {
    this.checkLimit();
    const guard = this.guardFor(params.allowTargets);
    const addresses = naming('params.targets', () => expandTargets(params.targets));
    naming('params.targets', () => {
      for (const address of addresses) guard.check(address);
    });
    const iface = params.iface;
    if (iface !== undefined) naming('params.iface', () => assertInterfaceUp(iface));
    const id = `discover-${++this.discoveries}`;
    const abort = new AbortController();
    // Node 18 (a runtime the helper may run on) has no AbortSignal.any: the caller's signal aborts this one.
    if (cancelled?.aborted) abort.abort();
    else cancelled?.addEventListener('abort', () => abort.abort(), { once: true });
    const signal = abort.signal;
    const finished = discoverHosts(params, signal).finally(() => this.running.delete(id));
    this.running.set(id, { kind: 'discover', abort, finished });
    let hosts: DiscoveredHost[];
    try {
      hosts = await finished;
    } catch (err) {
      if (err instanceof UserError && ROUTING_KINDS.includes(err.kind)) throw FieldError.naming(iface !== undefined ? 'params.iface' : 'params.targets', err);
      throw err;
    }
    if (signal.aborted) throw new UserError(`discover of ${params.targets} was cancelled`);
    return hosts;
  }

  cancel(scanId: string): boolean {
    const scan = this.running.get(scanId);
    if (scan?.kind !== 'scan') return false;
    scan.abort.abort();
    return true;
  }

  /** Cancels every scan and discovery and waits (bounded) for each scan to close its pcap and report scan.done. */
  async stopAll(timeoutMs: number): Promise<void> {
    const scans = [...this.running.values()];
    for (const s of scans) s.abort.abort();
    await Promise.race([Promise.allSettled(scans.map((s) => s.finished)), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  private checkLimit(): void {
    if (this.running.size >= this.limit)
      throw new UserError(`${this.limit} scans are already running (host discoveries count as scans); wait for one to finish or cancel one`);
  }

  /** The scope guard of a request: its allowTargets, each inside the helper's launch ranges. */
  private guardFor(allowTargets: readonly string[] = []): ScopeGuard {
    for (const [i, range] of allowTargets.entries())
      naming(`params.allowTargets[${i}]`, () => {
        if (!rangeWithin(range, this.launchAllowTargets))
          throw new UserError(
            `${range} is outside the ranges this helper was started with (${this.launchAllowTargets.join(', ') || 'none beyond the lab ranges'}); ` +
              'add it to the portlab.allowedTargets setting, which starts the helper with it',
          );
      });
    return new ScopeGuard(allowTargets);
  }

  /** The idle scan's zombie, scope-checked and routed like a target; none for a scan without -sI, which must not name one. */
  private async resolveZombie(guard: ScopeGuard, params: ScanStartParams, targets: readonly string[], iface: string | undefined): Promise<Zombie | undefined> {
    const idle = params.techniques.includes('idle');
    if (idle !== (params.zombie !== undefined))
      throw new FieldError('params.zombie', idle ? 'the idle scan needs its zombie' : 'a zombie is for the idle scan only');
    if (params.zombie === undefined) return undefined;
    let zombie: Zombie;
    try {
      zombie = await resolveZombie(guard, params.zombie, targets[0] === undefined ? undefined : ipVersionOf(targets[0]));
    } catch (err) {
      if (err instanceof UserError) throw FieldError.naming('params.zombie', err);
      throw err;
    }
    naming(iface === undefined ? 'params.zombie' : 'params.iface', () => findRoute(zombie.address, iface));
    return zombie;
  }

  /** Each target scope-checked and routed (through `iface` when given), all of one address family; addresses without duplicates. */
  private async resolveTargets(guard: ScopeGuard, targets: string[], iface: string | undefined): Promise<{ targets: string[]; routes: Route[] }> {
    const out: string[] = [];
    const routes: Route[] = [];
    for (const [i, target] of targets.entries()) {
      let addresses: string[];
      try {
        addresses = await guard.resolve([target]);
      } catch (err) {
        throw new FieldError(`params.targets[${i}]`, (err as Error).message);
      }
      for (const address of addresses) {
        if (out.includes(address)) continue;
        routes.push(naming(iface === undefined ? `params.targets[${i}]` : 'params.iface', () => findRoute(address, iface)));
        out.push(address);
      }
    }
    naming('params.targets', () => checkOneIpVersion(out));
    return { targets: out, routes };
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
    this.sink.done(summary);
  }
}

/**
 * What claimSourceAddresses would refuse once the scan runs, refused in the request instead: every
 * target behind one Ethernet interface whose subnet holds the sources. Whether another host uses a
 * source is still asked on the wire by the scan.
 */
function checkSources(sources: string[], targets: string[], routes: Route[], params: ScanStartParams): string[] {
  if (params.techniques.includes('connect')) throw new UserError("works with raw techniques only: a connect scan leaves from the kernel's own address");
  const route = routes[0]!;
  if (routes.some((r) => r.loopback)) throw new UserError('needs targets reached over Ethernet, not this host itself');
  const other = routes.find((r) => r.iface !== route.iface);
  if (other)
    throw new UserError(
      `needs every target behind one interface; ${targets[routes.indexOf(other)]} is reached by ${other.iface}, ${targets[0]} by ${route.iface}`,
    );
  checkSourceIps(sources, route.iface, ipv4AddressesOf(route.iface));
  return sources;
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
