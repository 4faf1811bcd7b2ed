import { HelperScanSession, type ScanSession, type ScanSessionOptions } from '../helper/scan-session';
import { ScanRegistry } from '../helper/scans';
import type { ScanStartParams } from '../protocol/rpc';

/**
 * A connect scan run in the extension host itself: connect() needs no privilege, so no helper is
 * started and no password asked. The helper's own registry checks the request (scope, ports, routes)
 * exactly as a helper would, and its events reach the same kind of session the helper's client hands out.
 */
export function scanInProcess(params: ScanStartParams, captureRoot: string, allowTargets: readonly string[], options: ScanSessionOptions): ScanSession {
  let registry: ScanRegistry | undefined;
  const session = new HelperScanSession(options, (scanId) => Promise.resolve(registry?.cancel(scanId)));
  // A scan that fails at once may report before start() has returned its id: held until then, as the client holds a helper's.
  let early: (() => void)[] | undefined = [];
  const deliver = (event: () => void) => (early ? early.push(event) : event());
  registry = new ScanRegistry(
    captureRoot,
    {
      progress: (p) => deliver(() => session.onProgress(p)),
      port: (_scanId, r) => deliver(() => session.onPorts([r])),
      done: (s) => deliver(() => session.onDone(s)),
    },
    allowTargets,
  );
  registry.start(params).then(
    (started) => {
      session.onStarted(started);
      const held = early ?? [];
      early = undefined;
      for (const event of held) event();
    },
    (err: unknown) => session.onRefused(err),
  );
  return session;
}
