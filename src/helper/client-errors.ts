import type { PortResult } from '../protocol';
import type { ResultOf } from './validate';

/** The helper went away while requests or scans were outstanding. */
export class HelperGoneError extends Error {
  override readonly name = 'HelperGoneError';
}

/**
 * The helper went away after it had accepted a scan and before its scan.done: no summary, so no list
 * of captures either; `results` holds the ports it reported until then, and `captureDir` what it
 * captured until then.
 */
export class HelperGoneMidScanError extends HelperGoneError {
  readonly scanId: string;
  readonly captureDir: string;

  constructor(
    reason: string,
    scan: ResultOf<'scan.start'>,
    readonly results: readonly PortResult[],
  ) {
    super(`${reason} while scan ${scan.scanId} was running; its captures so far are in its capture directory`);
    this.scanId = scan.scanId;
    this.captureDir = scan.captureDir;
  }
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
