import { constants } from 'node:os';
import type { ConnectOutcome } from '../protocol';
import { loadNativeLayer } from './native-addon';
import type { ConnectEngine } from './native-layer';

/** The errno names Node gives system errors ('ECONNREFUSED', …), by number: the outcome names connect() always had. */
const ERRNO_NAME = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/**
 * Errors of attempts that never reached the wire because this host ran short (file descriptors, buffers, epoll
 * watches, ephemeral ports): they say nothing about the port, which is tried again once something frees up.
 */
const LOCAL_SHORTAGES: ReadonlySet<ConnectOutcome> = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'ENOSPC', 'EADDRNOTAVAIL', 'EAGAIN']);

export const isLocalShortage = (outcome: ConnectOutcome): boolean => LOCAL_SHORTAGES.has(outcome);

/** An errno as reported by the connect engine: 0 connected, -1 timed out, else the errno of connect(). */
export function connectOutcomeOf(errno: number): ConnectOutcome {
  if (errno === 0) return 'connected';
  if (errno === -1) return 'timeout';
  return ERRNO_NAME.get(errno) ?? `errno ${errno}`;
}

/** One attempt's end: `id` as given to start(), and the time from its connect() to the result. */
export type ConnectResult = (id: number, outcome: ConnectOutcome, elapsedMs: number) => void;

/**
 * Non-blocking connect() attempts run by the native engine's two threads; an accepted connection is reset
 * at once (S → SA → A → RA, as nmap -sT). Results arrive on the JS thread in batches, one call of
 * `onResult` per attempt, then one of `onBatch`. Open until close(), which keeps the event loop alive.
 * Should a thread of the engine fail, `onFailed` is called once with why (after the results it had): no attempt in flight
 * will report (inFlight reads 0), start() throws, and only close() is left to call.
 */
export class ConnectAttempts {
  private readonly engine: ConnectEngine;

  constructor(onResult: ConnectResult, onBatch: () => void, onFailed: (reason: string) => void) {
    const { ConnectEngine } = loadNativeLayer();
    this.engine = new ConnectEngine(
      (ids, errnos, elapsedUs, count) => {
        for (let k = 0; k < count; k++) onResult(ids[k]!, connectOutcomeOf(errnos[k]!), elapsedUs[k]! / 1000);
        onBatch();
      },
      // The scan stops, partial, and says why (its summary's note).
      (message) => onFailed(`the connect engine stopped during the scan (${message})`),
    );
  }

  /** connect() to address (IPv4, or IPv6 with an optional %zone) ports[k] for k < count, each given up after timeoutMs */
  start(address: string, ports: Uint16Array, ids: Uint32Array, count: number, timeoutMs: number): void {
    this.engine.start(address, ports, ids, count, timeoutMs);
  }

  /** attempts started and not yet reported */
  get inFlight(): number {
    return this.engine.inFlight;
  }

  /** closes every socket still connecting (no results for them); idempotent */
  close(): void {
    this.engine.close();
  }
}
