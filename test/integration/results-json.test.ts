// The engine writes `--json` results straight from its packed port books (ScanOutcome.resultsJson). Real scans of
// a lab, of every kind of exchange the engine logs, must give byte for byte the text JSON.stringify gives the
// same results built as objects, compact and pretty.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { labDown, labTopology, labUp } from '../../src/lab';
import { PortResult, type Technique } from '../../src/protocol';
import type { ResultsJsonRun } from '../support/results-json-run';
import { ROOT } from './scan-support';

const run = promisify(execFile);
const ID = 240;
const LAB = labTopology(ID);
const NETNS = `portlab${ID}-scanner`;
const LIMIT_MS = 120_000;
/** the lab's ports of every kind, and 41234, which has no service name */
const PORTS = 'T:22,23,25,53,80,110,443,3306,8080,41234,U:7,53,69,123,137,162,514,1900,41234';
/** ICMP errors of the target come from a small bucket: each scan waits for it to fill again (see scan-lab.test.ts). */
const ICMP_REFILL_MS = 3000;

const outRoot = mkdtempSync(join(tmpdir(), 'portlab-results-json-'));

before(async () => {
  await labUp(ID);
});

after(async () => {
  await labDown(ID);
  rmSync(outRoot, { recursive: true, force: true });
});

async function scanTexts(spec: { targets: string[]; techniques: Technique[]; captureDir?: string; zombie?: { address: string; probePort: number } }) {
  if (spec.captureDir) mkdirSync(spec.captureDir, { recursive: true });
  const argv = [process.execPath, '--import', 'tsx', join(ROOT, 'test', 'support', 'results-json-run.ts'), JSON.stringify({ ports: PORTS, ...spec })];
  const { stdout } = await run('ip', ['netns', 'exec', NETNS, ...argv], { cwd: ROOT, timeout: LIMIT_MS, maxBuffer: 64 << 20 });
  await new Promise((resolve) => setTimeout(resolve, ICMP_REFILL_MS));
  return JSON.parse(stdout) as ResultsJsonRun;
}

/** What the results hold, by what the JSON text must get right. */
function shapes(texts: readonly [string, string][]): Set<string> {
  const seen = new Set<string>();
  for (const [, text] of texts) {
    const r = PortResult.parse(JSON.parse(text));
    seen.add(r.reasonTtl === undefined ? 'no reasonTtl' : 'reasonTtl');
    seen.add(r.service === undefined ? 'no service' : 'service');
    if (r.exchange.length === 0) seen.add('no exchange');
    for (const p of r.exchange) {
      seen.add(`${p.ipVersion === 6 ? 'ipv6 ' : ''}${p.kind} ${p.dir}`);
      for (const key of ['window', 'icmpType', 'retry', 'kernel', 'frame', 'flags'] as const) if (p[key] !== undefined) seen.add(key);
      if (p.retry !== undefined && p.retry > 0) seen.add('retransmission');
      if (!Number.isInteger(p.t)) seen.add('fractional t');
    }
  }
  return seen;
}

function assertSameTexts(name: string, got: ResultsJsonRun): Set<string> {
  assert.ok(got.compact.length > 0, `${name}: results`);
  for (const [engine, built] of got.compact) assert.equal(engine, built, `${name}, compact`);
  for (const [engine, built] of got.pretty) assert.equal(engine, built, `${name}, pretty`);
  return shapes(got.compact);
}

test('every technique over IPv4, with a capture, writes each result as JSON.stringify does', async () => {
  const seen = new Set<string>();
  for (const techniques of [['syn', 'connect', 'window'], ['udp'], ['xmas', 'ack']] as Technique[][]) {
    const got = await scanTexts({ targets: [LAB.target.address], techniques, captureDir: join(outRoot, techniques.join('-')) });
    for (const s of assertSameTexts(techniques.join(', '), got)) seen.add(s);
  }
  for (const shape of ['tcp out', 'tcp in', 'udp out', 'udp in', 'icmp in', 'window', 'icmpType', 'retry', 'retransmission', 'kernel', 'frame', 'flags'])
    assert.ok(seen.has(shape), `the scans cover ${shape}: ${[...seen].join(', ')}`);
  for (const shape of ['reasonTtl', 'no reasonTtl', 'service', 'no service', 'fractional t']) assert.ok(seen.has(shape), `the scans cover ${shape}`);
});

test('IPv6 (ICMPv6 errors), without a capture, writes each result as JSON.stringify does', async () => {
  const got = await scanTexts({ targets: [LAB.target.address6], techniques: ['syn', 'udp'] });
  const seen = assertSameTexts('IPv6', got);
  for (const shape of ['ipv6 tcp in', 'ipv6 icmp in', 'ipv6 udp out']) assert.ok(seen.has(shape), `the scan covers ${shape}: ${[...seen].join(', ')}`);
  assert.ok(!seen.has('frame'), 'no capture, no frame numbers');
});

test("the idle scan's results (three parties, inferred packets) are written as JSON.stringify does", async () => {
  const got = await scanTexts({ targets: [LAB.target.address], techniques: ['idle'], zombie: { address: LAB.zombie.address, probePort: 80 } });
  assertSameTexts('idle', got);
});
