/**
 * Runs one scan through the engine in this process, which a test starts inside a lab's scanner namespace, and
 * prints one JSON line: every result as the engine writes its JSON text (ScanOutcome.resultsJson) and as
 * portResultJson writes the same result built as an object, compact and pretty, plus the results themselves.
 * argv[2]: {"targets", "ports", "techniques", "captureDir"?, "zombie"?}.
 */
import { randomUUID } from 'node:crypto';
import { parsePorts } from '../../src/engine/ports';
import { runScan } from '../../src/engine/scan';
import type { ScanOutcome, ScanPlan, Zombie } from '../../src/engine/scan-plan';
import { portResultJson, type Technique } from '../../src/protocol';

export interface ResultsJsonRun {
  /** [engine's text, portResultJson's text] per result, compact then pretty */
  compact: [string, string][];
  pretty: [string, string][];
}

const spec = JSON.parse(process.argv[2] ?? '{}') as { targets: string[]; ports: string; techniques: Technique[]; captureDir?: string; zombie?: Zombie };
const plan: ScanPlan = { scanId: randomUUID(), targets: spec.targets, ports: parsePorts(spec.ports), techniques: spec.techniques };
if (spec.captureDir) plan.captureDir = spec.captureDir;
if (spec.zombie) plan.zombie = spec.zombie;
const pairs = (outcome: ScanOutcome, pretty: boolean): [string, string][] => {
  const engine = [...outcome.resultsJson(pretty)];
  const built = [...outcome.results()].map((r) => portResultJson(r, pretty));
  return Array.from({ length: Math.max(engine.length, built.length) }, (_, i) => [engine[i] ?? '', built[i] ?? '']);
};
void runScan(plan, {}).then((outcome) => {
  const run: ResultsJsonRun = { compact: pairs(outcome, false), pretty: pairs(outcome, true) };
  process.stdout.write(`${JSON.stringify(run)}\n`, () => process.exit(0));
});
