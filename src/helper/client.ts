import { createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter, type Message, type MessageConnection } from 'vscode-jsonrpc/node';
import { type z } from 'zod';
import {
  EVENTS,
  PROTOCOL_VERSION,
  REQUESTS,
  type ScanPortEvent,
  type EventMethod,
  type PortResult,
  type RequestMethod,
  type ScanProgress,
  type ScanStartParams,
  type ScanSummary,
} from '../protocol';
import {
  currentEnvironment,
  explainLaunchFailure,
  HelperLaunchError,
  noElevationError,
  planLaunch,
  setcapCommand,
  spawnPlan,
  type HelperProcess,
  type LaunchEnvironment,
  type LaunchMethod,
  type LaunchOptions,
} from './launch';
import type { ParamsOf, ResultOf } from './validate';

export type EventOf<E extends EventMethod> = z.infer<(typeof EVENTS)[E]>;

/** The helper went away while requests or scans were outstanding. */
export class HelperGoneError extends Error {
  override readonly name = 'HelperGoneError';
}

/** A request the helper answered with a JSON-RPC error; `code` is one of RpcErrorCode or the standard ones. */
export class HelperRequestError extends Error {
  override readonly name = 'HelperRequestError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ScanHandlers {
  port?(r: PortResult): void;
  progress?(p: ScanProgress): void;
}

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

/**
 * A typed client of the helper, for the extension, the CLI and the tests: one method per request,
 * results checked against their schemas, events by name, and a clear error when the helper dies.
 */
export class HelperClient {
  readonly exited: Promise<string>;
  private readonly connection: MessageConnection;
  private readonly listeners = new Map<EventMethod, Set<(e: unknown) => void>>();
  private readonly doneWaiters = new Map<string, { resolve: (s: ScanSummary) => void; reject: (e: Error) => void }>();
  private readonly finished = new Map<string, ScanSummary>();
  private goneReason: string | undefined;
  private stderrTail = '';

  constructor(
    readonly child: HelperProcess,
    readonly method: LaunchMethod,
  ) {
    child.stderr.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-2000)));
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout), new HelperStdinWriter(child.stdin));
    for (const event of Object.keys(EVENTS) as EventMethod[])
      this.connection.onNotification(event, (params: unknown) => {
        const parsed = EVENTS[event].safeParse(params);
        if (!parsed.success) return;
        if (event === 'scan.done') this.settleScan(parsed.data as ScanSummary);
        for (const listener of this.listeners.get(event) ?? []) listener(parsed.data);
      });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.goneReason = signal ? `the PortLab helper was killed by ${signal}` : `the PortLab helper exited with code ${code}`;
        const tail = this.stderrTail.trim().split('\n').at(-1);
        const message = `${this.goneReason}${tail ? ` (${tail})` : ''}`;
        for (const [scanId, waiter] of this.doneWaiters)
          waiter.reject(new HelperGoneError(`${message} while scan ${scanId} was running; its captures so far are in its capture directory`));
        this.doneWaiters.clear();
        this.connection.dispose();
        resolve(message);
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
  startScan(params: ScanStartParams): Promise<ResultOf<'scan.start'>> {
    return this.request('scan.start', params);
  }
  cancelScan(scanId: string): Promise<ResultOf<'scan.cancel'>> {
    return this.request('scan.cancel', { scanId });
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

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends EventMethod>(event: E, listener: (e: EventOf<E>) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as (e: unknown) => void);
    this.listeners.set(event, set);
    return () => set.delete(listener as (e: unknown) => void);
  }

  /** Resolves with the scan's summary at its scan.done; rejects if the helper dies first. */
  waitForScan(scanId: string): Promise<ScanSummary> {
    const done = this.finished.get(scanId);
    if (done) return Promise.resolve(done);
    if (this.goneReason) return Promise.reject(new HelperGoneError(`${this.goneReason} while scan ${scanId} was running`));
    return new Promise((resolve, reject) => this.doneWaiters.set(scanId, { resolve, reject }));
  }

  /** Starts a scan, hands its events to `handlers` and resolves with its results and summary. */
  async scan(
    params: ScanStartParams,
    handlers: ScanHandlers = {},
  ): Promise<{ scanId: string; captureDir: string; summary: ScanSummary; results: PortResult[] }> {
    const results: PortResult[] = [];
    let scanId: string | undefined;
    const early: z.infer<typeof ScanPortEvent>[] = [];
    const offPort = this.on('scan.port', (e) => {
      if (scanId === undefined) return void early.push(e);
      if (e.scanId !== scanId) return;
      results.push(e.result);
      handlers.port?.(e.result);
    });
    const offProgress = this.on('scan.progress', (p) => p.scanId === scanId && handlers.progress?.(p));
    try {
      const started = await this.startScan(params);
      scanId = started.scanId;
      for (const e of early.filter((x) => x.scanId === scanId)) {
        results.push(e.result);
        handlers.port?.(e.result);
      }
      const summary = await this.waitForScan(scanId);
      return { ...started, summary, results };
    } finally {
      offPort();
      offProgress();
    }
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

  private settleScan(summary: ScanSummary): void {
    this.finished.set(summary.scanId, summary);
    this.doneWaiters.get(summary.scanId)?.resolve(summary);
    this.doneWaiters.delete(summary.scanId);
  }
}

/**
 * Starts the helper the best way this machine allows (see planLaunch) and shakes hands. A way that
 * is unavailable (no polkit agent) falls through to the next, and so does a direct start whose
 * helper turns out to lack CAP_NET_RAW; a refusal ends with its explanation.
 */
export async function startHelper(options: LaunchOptions, env: LaunchEnvironment = currentEnvironment()): Promise<HelperClient> {
  const nodePath = options.nodePath ?? process.execPath;
  const needsRaw = options.rawSockets !== false;
  let last: HelperLaunchError | undefined;
  for (const plan of planLaunch(options, env)) {
    const child = spawnPlan(plan, options.ownSession);
    const spawned = await new Promise<string | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    if (spawned) {
      const { error, retry } = explainLaunchFailure({ method: plan.method, nodePath, spawnError: spawned, stderr: '' });
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
        exitCode: exit.code,
        signal: exit.signal,
        stderr: client.stderr(),
        ...(sudoCommand ? { sudoCommand, userName: env.userName } : {}),
      });
      if (!retry) throw error;
      last = error;
      continue;
    }
    if (!needsRaw || hello.rawSockets) return client;
    await client.close();
    if (!plan.tentative)
      throw new HelperLaunchError(
        `The PortLab helper started (${plan.method}) without the CAP_NET_RAW capability, so it cannot send raw packets; a container or a security policy may withhold it.`,
        `run PortLab where raw sockets are allowed (docker run --cap-add NET_RAW), or give Node.js the capability: ${setcapCommand(nodePath)}`,
      );
    last = noElevationError(nodePath);
  }
  throw last ?? new HelperLaunchError('The PortLab helper could not be started.');
}
