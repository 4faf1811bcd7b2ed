import type { Readable, Writable } from 'node:stream';
import {
  type CancellationToken,
  createMessageConnection,
  ErrorCodes,
  ResponseError,
  StreamMessageWriter,
  type MessageConnection,
  type ResponseMessage,
} from 'vscode-jsonrpc/node';
import { UserError } from '../base/errors';
import { labDown, labStatus, labUp } from '../lab';
import { listInterfaces } from '../link/interface-list';
import { PROTOCOL_VERSION, RpcErrorCode, type EventMethod, type RequestMethod } from '../protocol';
import { BoundedMessageReader, type BadInput } from './bounded-reader';
import { PortBatches } from './port-batches';
import { ensurePrivateDirectory } from './capture-dir';
import { CAP_NET_RAW, hasCapability, readProcStatus } from '../base/proc-status';
import { currentNetns } from '../base/netns';
import { ROLE_METHODS, type HelperRole } from './roles';
import { ScanRegistry } from './scans';
import { isRequestMethod, validateParams, type ParamsOf, type ResultOf } from './validate';

/** Largest JSON-RPC message the helper reads; the biggest valid request (scan.start) is far smaller. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** After stdin closes, running scans get this long to close their pcaps before the helper exits. */
const SHUTDOWN_GRACE_MS = 3000;

export interface HelperServerOptions {
  captureDir: string;
  /** ranges beyond the lab's that requests may name in allowTargets (`helper --allow-target`) */
  allowTargets?: readonly string[];
  role?: HelperRole;
  input: Readable;
  output: Writable;
  helperVersion: string;
}

type Handlers = { [M in RequestMethod]: (params: ParamsOf<M>, token: CancellationToken) => Promise<ResultOf<M>> | ResultOf<M> };

/**
 * The helper: JSON-RPC over stdio. Every request's params are validated against its schema before
 * its handler runs; `hello` must come first. It runs no child through a shell, accepts no path from
 * a client (captures go to `<captureDir>/<scanId>/`, the id its own, in directories it made 0700 and
 * checked, files made new 0600 and never through a link), and takes no scope from a client beyond
 * the ranges it was started with. Resolves when the client has gone (stdin closed) and running
 * scans and discoveries have been stopped.
 */
export function serveHelper(options: HelperServerOptions): Promise<void> {
  const role = options.role ?? 'scan';
  process.umask(0o077);
  if (role === 'scan') ensurePrivateDirectory(options.captureDir, { recursive: true });

  const writer = new StreamMessageWriter(options.output);
  const answerBadInput = (bad: BadInput) => {
    const response: ResponseMessage = { jsonrpc: '2.0', id: bad.id ?? null, error: { code: bad.code, message: bad.message } };
    void writer.write(response).catch(() => undefined);
  };
  const reader = new BoundedMessageReader(options.input, MAX_MESSAGE_BYTES, answerBadInput);
  const connection: MessageConnection = createMessageConnection(reader, writer);

  // Scans winding down after the client went (stdin closed) still report; the closed connection then
  // throws at once instead of rejecting, and there is nobody left to tell.
  const notify = (method: EventMethod, params: unknown): void => {
    try {
      void connection.sendNotification(method, params).catch(() => undefined);
    } catch {
      // the client has gone
    }
  };
  const batches = new PortBatches((scanId, results) => notify('scan.ports', { scanId, results }));
  const scans = new ScanRegistry(
    options.captureDir,
    {
      progress: (p) => {
        batches.flush(p.scanId);
        notify('scan.progress', p);
      },
      port: (scanId, result) => batches.add(scanId, result),
      done: (s) => {
        batches.flush(s.scanId);
        notify('scan.done', s);
      },
    },
    options.allowTargets,
  );

  let greeted = false;
  const handlers: Handlers = {
    hello: (p) => {
      if (p.protocolVersion !== PROTOCOL_VERSION)
        throw new ResponseError(
          RpcErrorCode.versionMismatch,
          `protocol version ${p.protocolVersion} is not supported: this helper speaks version ${PROTOCOL_VERSION}; update PortLab so that the extension and the helper match`,
        );
      greeted = true;
      const netns = currentNetns();
      return {
        protocolVersion: PROTOCOL_VERSION,
        helperVersion: options.helperVersion,
        pid: process.pid,
        rawSockets: hasCapability(readProcStatus().capEff, CAP_NET_RAW),
        captureDir: options.captureDir,
        ...(netns ? { netns } : {}),
      };
    },
    interfaces: () => listInterfaces(),
    discover: (p, token) => scans.discover(p, abortSignalOf(token)),
    'scan.start': (p) => scans.start(p),
    'scan.cancel': (p) => ({ cancelled: scans.cancel(p.scanId) }),
    'lab.up': (p) => labUp(p.id ?? 0),
    'lab.down': (p) => labDown(p.id ?? 0),
    'lab.status': (p) => labStatus(p.id ?? 0),
  };

  connection.onRequest(async (method, params, token) => {
    if (!isRequestMethod(method)) throw new ResponseError(ErrorCodes.MethodNotFound, `unknown method "${method.slice(0, 100)}"`);
    if (!greeted && method !== 'hello') throw new ResponseError(RpcErrorCode.notInitialized, `send "hello" first (then "${method}")`);
    const served = ROLE_METHODS[role];
    if (!served.methods.includes(method)) throw new ResponseError(RpcErrorCode.wrongRole, `"${method}": ${served.refusal}`);
    const valid = validateParams(method, params);
    try {
      return await (handlers[method] as (p: typeof valid, t: CancellationToken) => unknown)(valid, token);
    } catch (err) {
      throw asResponseError(err);
    }
  });
  connection.onNotification(() => undefined);

  return new Promise((resolve) => {
    let closing = false;
    const close = () => {
      if (closing) return;
      closing = true;
      void scans.stopAll(SHUTDOWN_GRACE_MS).finally(() => {
        connection.dispose();
        resolve();
      });
    };
    connection.onClose(close);
    options.input.on('end', close);
    connection.listen();
  });
}

function abortSignalOf(token: CancellationToken): AbortSignal {
  const abort = new AbortController();
  if (token.isCancellationRequested) abort.abort();
  else token.onCancellationRequested(() => abort.abort());
  return abort.signal;
}

function asResponseError(err: unknown): ResponseError<void> {
  if (err instanceof ResponseError) return err;
  if (err instanceof UserError) return new ResponseError(RpcErrorCode.userError, err.message);
  return new ResponseError(RpcErrorCode.internal, `helper error: ${err instanceof Error ? err.message : String(err)}`);
}
