import { createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter, type Message, type MessageConnection } from 'vscode-jsonrpc/node';
import { EVENTS, PROTOCOL_VERSION, REQUESTS, type RequestMethod, type ScanStartParams } from '../protocol';
import { HelperGoneError, HelperRequestError } from './client-errors';
import { checkPortBatch } from './port-batch-check';
import {
  currentEnvironment,
  explainLaunchFailure,
  HelperLaunchError,
  helperRuntime,
  noElevationError,
  noRawSocketsError,
  planLaunch,
  spawnPlan,
  type HelperProcess,
  type LaunchEnvironment,
  type LaunchMethod,
  type LaunchOptions,
} from './launch';
import { HelperScanSession, type ScanSession, type ScanSessionOptions } from './scan-session';
import type { ParamsOf, ResultOf } from './validate';

export { HelperGoneError, HelperGoneMidScanError, HelperRequestError } from './client-errors';
export type { FinishedScan, ScanSession, ScanSessionOptions, StartedScan } from './scan-session';

/**
 * A write to a helper that has just exited fails (EPIPE), and vscode-jsonrpc's sendRequest rethrows that
 * failure inside a promise executor, where nothing can catch it: an unhandled rejection that would end
 * the client's process. The exit handler reports the helper's going (and rejects what waits on it), so a
 * failed write is dropped here.
 */
class HelperStdinWriter extends StreamMessageWriter {
  override async write(msg: Message): Promise<void> {
    try {
      await super.write(msg);
    } catch {
      // reported by the helper's exit
    }
  }
}

/** An event of a scan whose scan.start has not been answered yet, held until it is. */
interface EarlyEvent {
  scanId: string;
  deliver(session: HelperScanSession): void;
}

/**
 * A typed client of the helper, for the extension, the CLI and the tests: one method per request,
 * results checked against their schemas, scans as sessions, and a clear error when the helper dies.
 */
export class HelperClient {
  readonly exited: Promise<string>;
  private readonly connection: MessageConnection;
  /** scans the helper accepted and has not finished */
  private readonly scans = new Map<string, HelperScanSession>();
  /** scans whose scan.start is not answered yet */
  private readonly starting = new Set<HelperScanSession>();
  /** The helper may report a scan before its answer to scan.start arrives; kept only while a start is unanswered. */
  private early: EarlyEvent[] = [];
  private goneReason: string | undefined;
  private goneMessage = '';
  private stderrTail = '';

  constructor(
    readonly child: HelperProcess,
    readonly method: LaunchMethod,
  ) {
    child.stderr.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-2000)));
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout), new HelperStdinWriter(child.stdin));
    this.connection.onNotification('scan.ports', (params: unknown) => {
      const { scanId, results, problem } = checkPortBatch(params);
      if (scanId === undefined) {
        if (problem) this.refusedForAll(problem);
        return;
      }
      this.route(scanId, (s) => {
        s.onPorts(results);
        if (problem) s.onRefusedResults(problem);
      });
    });
    this.connection.onNotification('scan.progress', (params: unknown) => {
      const p = EVENTS['scan.progress'].safeParse(params);
      if (p.success) this.route(p.data.scanId, (s) => s.onProgress(p.data));
    });
    this.connection.onNotification('scan.done', (params: unknown) => {
      const done = EVENTS['scan.done'].safeParse(params);
      if (done.success)
        this.route(done.data.scanId, (s) => {
          this.scans.delete(done.data.scanId);
          s.onDone(done.data);
        });
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.goneReason = signal ? `the PortLab helper was killed by ${signal}` : `the PortLab helper exited with code ${code}`;
        const tail = this.stderrTail.trim().split('\n').at(-1);
        this.goneMessage = `${this.goneReason}${tail ? ` (${tail})` : ''}`;
        for (const session of this.scans.values()) session.onHelperGone(this.goneMessage);
        this.scans.clear();
        this.connection.dispose();
        resolve(this.goneMessage);
      });
    });
    child.stdin.on('error', () => undefined);
    this.connection.listen();
  }

  /** Sends one request; params and result are checked against the protocol's schemas. */
  async request<M extends RequestMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    if (this.goneReason) throw new HelperGoneError(this.goneReason);
    const gone = this.exited.then((why) => Promise.reject(new HelperGoneError(`${why} before answering ${method}`)));
    try {
      const raw = await Promise.race([this.connection.sendRequest(method, params), gone]);
      return REQUESTS[method].result.parse(raw) as ResultOf<M>;
    } catch (err) {
      // The exit handler disposes the connection, which rejects pending requests before `gone` does.
      if (this.goneReason) throw new HelperGoneError(`${await this.exited} before answering ${method}`);
      if (err instanceof ResponseError) throw new HelperRequestError(err.code, err.message);
      throw err;
    }
  }

  hello(client = 'portlab'): Promise<ResultOf<'hello'>> {
    return this.request('hello', { protocolVersion: PROTOCOL_VERSION, client });
  }
  interfaces(): Promise<ResultOf<'interfaces'>> {
    return this.request('interfaces', {});
  }
  discover(params: ParamsOf<'discover'>): Promise<ResultOf<'discover'>> {
    return this.request('discover', params);
  }
  labUp(id?: number): Promise<ResultOf<'lab.up'>> {
    return this.request('lab.up', id === undefined ? {} : { id });
  }
  labDown(id?: number): Promise<ResultOf<'lab.down'>> {
    return this.request('lab.down', id === undefined ? {} : { id });
  }
  labStatus(id?: number): Promise<ResultOf<'lab.status'>> {
    return this.request('lab.status', id === undefined ? {} : { id });
  }

  /** Starts a scan; the session hands on its events, cancels it and ends with its results. */
  scan(params: ScanStartParams, options: ScanSessionOptions = {}): ScanSession {
    const session = new HelperScanSession(options, (scanId) => this.request('scan.cancel', { scanId }));
    this.starting.add(session);
    void this.request('scan.start', params).then(
      (started) => {
        const early = this.early.filter((e) => e.scanId === started.scanId);
        this.early = this.early.filter((e) => e.scanId !== started.scanId);
        this.stopStarting(session);
        session.onStarted(started);
        if (this.goneReason) return session.onHelperGone(this.goneMessage);
        this.scans.set(started.scanId, session);
        for (const e of early) e.deliver(session);
      },
      (err: unknown) => {
        this.stopStarting(session);
        session.onRefused(err);
      },
    );
    return session;
  }

  /** Closes stdin (the helper stops its scans and exits) and waits, bounded, for it to go. */
  async close(timeoutMs = 5000): Promise<void> {
    if (!this.goneReason) this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The last lines the helper wrote on stderr (for messages when it fails). */
  stderr(): string {
    return this.stderrTail;
  }

  /** Results that name no scan may have been any running scan's: each is told it may lack some. */
  private refusedForAll(problem: string): void {
    for (const session of [...this.scans.values(), ...this.starting]) session.onRefusedResults(problem);
  }

  private route(scanId: string, deliver: (session: HelperScanSession) => void): void {
    const session = this.scans.get(scanId);
    if (session) deliver(session);
    else if (this.starting.size > 0) this.early.push({ scanId, deliver });
  }

  private stopStarting(session: HelperScanSession): void {
    this.starting.delete(session);
    if (this.starting.size === 0) this.early = [];
  }
}

/**
 * Starts the helper the best way this machine allows (see planLaunch) and shakes hands. A way that
 * is unavailable (no polkit agent) falls through to the next, and so does a direct start whose
 * helper turns out to lack CAP_NET_RAW; a refusal ends with its explanation.
 */
export async function startHelper(options: LaunchOptions, env: LaunchEnvironment = currentEnvironment()): Promise<HelperClient> {
  const { path: nodePath, runAsNode } = helperRuntime(options);
  const needsRaw = options.rawSockets !== false;
  let last: HelperLaunchError | undefined;
  for (const plan of planLaunch(options, env)) {
    const child = spawnPlan(plan, options.ownSession);
    const spawned = await new Promise<string | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    if (spawned) {
      const { error, retry } = explainLaunchFailure({ method: plan.method, nodePath, runAsNode, spawnError: spawned, stderr: '' });
      if (!retry) throw error;
      last = error;
      continue;
    }
    const client = new HelperClient(child, plan.method);
    let hello: ResultOf<'hello'>;
    try {
      hello = await client.hello();
    } catch (err) {
      if (!(err instanceof HelperGoneError)) {
        await client.close();
        throw err;
      }
      const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.exitCode !== null || child.signalCode !== null
          ? resolve({ code: child.exitCode, signal: child.signalCode })
          : child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      const sudoCommand = plan.method === 'sudo' ? plan.args.slice(plan.args.indexOf('--') + 1) : undefined;
      const { error, retry } = explainLaunchFailure({
        method: plan.method,
        nodePath,
        runAsNode,
        exitCode: exit.code,
        signal: exit.signal,
        stderr: client.stderr(),
        ...(sudoCommand ? { sudoCommand, userName: env.userName } : {}),
        ...(plan.installed ? { installed: true } : {}),
      });
      if (!retry) throw error;
      last = error;
      continue;
    }
    if (!needsRaw || hello.rawSockets) return client;
    await client.close();
    if (!plan.tentative) throw noRawSocketsError(plan.method, nodePath, runAsNode);
    last = noElevationError(nodePath, runAsNode);
  }
  throw last ?? new HelperLaunchError('The PortLab helper could not be started.');
}
