import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { labDown, labTruthOf, labUp } from '../../src/lab';
import type { ScanDocument } from '../../src/protocol';
import { cliInNetns, rootSkip, run, topologyOf } from '../support/lab-env';

/**
 * Issue 7, item 5: 20 consecutive full-range SYN scans of lab 62 give identical states. Only states
 * are asserted; the time each scan took is printed for the report.
 */
const ID = 62;
const RUNS = 20;
const topo = topologyOf(ID);

before(async () => {
  if (!rootSkip) await labUp(ID);
});
after(async () => {
  if (!rootSkip) await labDown(ID);
});

test(`${RUNS} full-range SYN scans of the lab give identical states`, { skip: rootSkip, timeout: 600_000 }, async () => {
  let first: string | undefined;
  const seconds: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const [cmd, argv] = cliInNetns(topo.scanner.namespace, ['scan', topo.target.address, '-p', '-', '-sS', '--json']);
    const startedAt = performance.now();
    const { stdout } = await run(cmd, argv, { maxBuffer: 256 << 20 });
    seconds.push((performance.now() - startedAt) / 1000);
    const doc = JSON.parse(stdout) as ScanDocument;
    assert.equal(doc.summary?.partial, false, `run ${i + 1} complete`);
    assert.equal(doc.results.length, 65535, `run ${i + 1}: every port`);
    // States, not reasons: back to back, the scans draw ICMP errors from the reject ports faster than the
    // target's rate limit refills (2 a scan, ~1 a second), so a later run may see one of them silent:
    // filtered admin-prohibited becomes filtered no-response, as it would for nmap.
    const states = doc.results.map((r) => `${r.port} ${r.state}`).join('\n');
    if (first === undefined) {
      first = states;
      // and the first is right: the lab's truth on every port it names, closed everywhere else
      for (const r of doc.results) {
        const truth = labTruthOf(r.port, 'tcp');
        const expected = truth === 'open' ? 'open' : truth === 'filtered-drop' || truth === 'filtered-reject' ? 'filtered' : 'closed';
        assert.equal(r.state, expected, `port ${r.port}`);
      }
    } else assert.equal(states, first, `run ${i + 1} differs from run 1`);
  }
  const total = seconds.reduce((a, b) => a + b, 0);
  process.stdout.write(
    `# ${RUNS} full-range SYN scans: ${total.toFixed(1)} s, ${Math.min(...seconds).toFixed(1)}–${Math.max(...seconds).toFixed(1)} s each; ${(RUNS * 65535).toLocaleString('en')} port states, the same in every run\n`,
  );
});
