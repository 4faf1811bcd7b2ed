/**
 * Runs connect attempts through the native engine in this process, which a test starts inside a lab
 * namespace (and under a low `ulimit -n` to see EMFILE), and prints what happened as one JSON line.
 * argv[2]: {"address", "ports", "timeoutMs", "closeAfterMs"?}: with closeAfterMs the engine is closed then,
 * whatever is still connecting.
 */
import { ConnectAttempts } from '../../src/link/connect-engine';
import { addedFds, openFds } from './fd-table';

export interface EngineRun {
  /** [id, outcome, elapsedMs] in the order they came */
  results: [number, string, number][];
  /** descriptors the engine held just before close() (with closeAfterMs) */
  heldBeforeClose: number;
  /** descriptors still open after close() (or after the last result) that were not before start() */
  leftOpen: string[];
  /** the engine's thread failed, with this message (onFailed) */
  failure?: string;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as { address: string; ports: number[]; timeoutMs: number; closeAfterMs?: number };
const before = openFds();
const run: EngineRun = { results: [], heldBeforeClose: 0, leftOpen: [] };
const finish = () => {
  attempts.close();
  // Bounded: the descriptors of a close() are gone once it returns; the wait only catches a late result.
  setTimeout(() => {
    run.leftOpen = addedFds(before);
    process.stdout.write(`${JSON.stringify(run)}\n`);
    process.exit(0);
  }, 200);
};
const attempts = new ConnectAttempts(
  (id, outcome, elapsedMs) => run.results.push([id, outcome, elapsedMs]),
  () => {
    if (spec.closeAfterMs === undefined && run.results.length === spec.ports.length) finish();
  },
  (reason) => {
    run.failure = reason;
    finish();
  },
);
attempts.start(spec.address, Uint16Array.from(spec.ports), Uint32Array.from(spec.ports.keys()), spec.ports.length, spec.timeoutMs);
if (spec.closeAfterMs !== undefined)
  setTimeout(() => {
    run.heldBeforeClose = addedFds(before).length;
    finish();
  }, spec.closeAfterMs);
