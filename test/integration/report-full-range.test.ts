import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScanJsonPieces } from '../../src/output/scan-json';
import { PortResult } from '../../src/protocol';
import { messagesFor } from '../../src/report/i18n';
import { rootSkip } from '../support/lab-env';
import { buildCli, CLI } from './scan-support';

/**
 * Node's heap limit on a machine of 1.5 GB (a quarter of its memory), the least a student's VM is given: the
 * report of these two scans needed more than 640 MB before it read the results without their exchanges and
 * built its packets without object spreads, about 300 MB since.
 */
const STUDENT_VM_HEAP = '--max-old-space-size=384';

function portlab(args: string[], nodeOptions: string[] = []): string {
  const run = spawnSync(process.execPath, [...nodeOptions, CLI, ...args], { encoding: 'utf8', timeout: 240_000, maxBuffer: 1 << 28 });
  assert.equal(run.status, 0, `portlab ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

test('two full-range scans of this host into one folder merge, and their report folds the ports alike', { skip: rootSkip, timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-full-range-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await buildCli();
  portlab(['scan', '127.0.0.1', '-p-', '-sS', '--out', dir]);
  portlab(['scan', '127.0.0.1', '-p-', '-sF', '--out', dir]);
  // read a result at a time, as the merge does: the file is ~85 MB
  const pieces = readScanJsonPieces(join(dir, 'results.json'), PortResult)!;
  assert.equal(pieces.head.earlier?.length, 1);
  const ports = { syn: new Set<number>(), fin: new Set<number>() };
  let count = 0;
  let closed = 0;
  for (const r of pieces.results()) {
    count++;
    ports[r.technique as keyof typeof ports].add(r.port);
    if (r.technique === 'syn' && r.state === 'closed') closed++;
  }
  for (const [technique, seen] of Object.entries(ports)) assert.equal(seen.size, 65535, `every port of the ${technique} scan kept`);
  assert.equal(count, 2 * 65535, 'no port twice');

  portlab(['report', dir], [STUDENT_VM_HEAP]);
  const report = readFileSync(join(dir, 'report.md'), 'utf8');
  const m = messagesFor('en');
  const start = report.indexOf(`## ${m.simulation}`);
  const rows = report
    .slice(start, report.indexOf('\n## ', start + 3))
    .split('\n')
    .filter((l) => l.endsWith(`| ${m.simulationFillInPrompt} |`));
  assert.ok(closed > 65000, `${closed} closed ports`);
  assert.ok(rows.length < 100, `${rows.length} rows to describe for ${closed} ports closed to both scans`);
  assert.ok(
    rows.some((l) => l.startsWith('| 1-')),
    'the closed ports as one row of ranges',
  );
});
