// npm run bench's profile: CPU per thread of a real process (bench/rusage.py: the kernel's taskstats as root,
// /proc samples otherwise or when asked), system calls counted by a real strace, the lines the bench prints
// from them, and the count of answers a scanner lost.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lostAnswers } from '../../bench/compare';
import { parseStraceSummary, renderProfile, runProfile, syscallProfile, type CpuMeasurement } from '../../bench/profile';

const ROOT = join(import.meta.dirname, '../..');
const RUSAGE = join(ROOT, 'bench/rusage.py');
const isRoot = process.getuid?.() === 0;
const hasStrace = spawnSync('sh', ['-c', 'command -v strace']).status === 0;

/** A worker thread counts to 10^8 (some 0.5 s of CPU) while the main thread only waits for it. */
const WORKER_SPINS = `
const { Worker } = require('node:worker_threads');
new Worker('let x = 0; for (let i = 0; i < 1e8; i++) x += i; require("node:worker_threads").parentPort.postMessage(x);', { eval: true });
`;

function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-bench-profile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function measure(t: TestContext, flags: string[], argv: string[]): CpuMeasurement & { wallMs: number } {
  const result = join(scratch(t), 'rusage.json');
  const run = spawnSync('/usr/bin/python3', [RUSAGE, ...flags, result, '30', ...argv], { encoding: 'utf8', timeout: 40_000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(readFileSync(result, 'utf8')) as CpuMeasurement & { wallMs: number };
}

for (const flags of [[], ['--proc-sampling']]) {
  test(`the spinning worker, not the main thread, is the bottleneck (${flags.length ? 'forced /proc sampling' : 'default source'})`, (t) => {
    const m = measure(t, flags, [process.execPath, '-e', WORKER_SPINS]);
    if (flags.length === 0 && isRoot) assert.ok(m.threadSource.startsWith('taskstats'), m.threadSource);
    else assert.equal(m.threadSource, 'proc-sampling');
    if (m.threadSource === 'taskstats') {
      // exact run times: the threads account for the process's CPU, and for no more
      const threads = m.threads.reduce((sum, x) => sum + x.userMs + x.sysMs, 0);
      const total = m.cpu.userMs + m.cpu.sysMs;
      assert.ok(threads <= total + 1 && threads >= 0.8 * total, `threads ${threads} ms, process ${total} ms`);
    }
    const p = runProfile(1, m.wallMs, m);
    assert.equal(p.bottleneck?.name, 'node');
    assert.ok(p.groups.some((g) => g.name === 'main'));
    assert.ok(p.groups.every((g) => g.voluntary >= 0 && g.involuntary >= 0));
    const [head, threads] = renderProfile('portlab', p);
    assert.match(
      head!,
      /^- \*\*portlab\*\* run 1: \d+\.\d\d s wall · CPU \d+u\/\d+s ms \(\d+\.\d\d cores\) · cs \d+\/\d+ · bottleneck \*\*node\*\* \d+% of wall(, mostly waiting)?$/,
    );
    assert.match(threads!, /^ {2}- threads, ms.*: .*main \d+u\/\d+s \(cs \d+\/\d+\)/);
    assert.equal(threads!.includes('sampled from /proc'), m.threadSource === 'proc-sampling');
  });
}

test("strace's counts by system call, errors included, per probe", { skip: !hasStrace && 'strace is not installed' }, (t) => {
  const out = join(scratch(t), 'strace.txt');
  const program = `
const fs = require('node:fs');
const fd = fs.openSync('/dev/null', 'w');
for (let i = 0; i < 40; i++) fs.writeSync(fd, 'x');
for (let i = 0; i < 30; i++) fs.existsSync('/nonexistent-portlab-bench/' + i);
`;
  const run = spawnSync('strace', ['-f', '-c', '-o', out, '--', process.execPath, '-e', program], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  const counts = parseStraceSummary(readFileSync(out, 'utf8'));
  assert.ok(counts.find((c) => c.name === 'write')!.calls >= 40);
  assert.ok(
    counts.some((c) => c.errors >= 30),
    'the failed lookups show as errors',
  );
  assert.deepEqual(
    counts.map((c) => c.calls),
    counts.map((c) => c.calls).sort((a, b) => b - a),
  );
  const s = syscallProfile(counts, 40, 'packets', false);
  assert.equal(
    s.totalCalls,
    counts.reduce((sum, c) => sum + c.calls, 0),
  );
  const p = {
    ...runProfile(1, 100, {
      pid: 1,
      cpu: { userMs: 0, sysMs: 0, voluntary: 0, involuntary: 0 },
      threadSource: 'taskstats',
      threadRecordsLost: false,
      threads: [],
    }),
    syscalls: s,
  };
  const line = renderProfile('nmap', p)[2]!;
  assert.match(line, /^ {2}- syscalls\/probe: \S+ [\d.]+( · \S+ [\d.]+){5} · all [\d.]+ \(40 probes\)$/);
});

test('a port built to answer and reported silent is a lost answer; masscan loses the open ports it does not report', () => {
  const truth = new Map([
    ['198.19.0.2/80', 'open'],
    ['198.19.0.2/81', 'closed'],
    ['198.19.0.2/82', 'filtered'],
    ['198.19.0.2/83', 'closed'],
  ]);
  const keys = [...truth.keys()];
  const scanner = new Map([
    ['198.19.0.2/80', 'filtered'],
    ['198.19.0.2/81', 'open|filtered'],
    ['198.19.0.2/82', 'filtered'],
    ['198.19.0.2/83', 'closed'],
  ] as const);
  assert.equal(
    lostAnswers(scanner, (k) => truth.get(k), keys, false),
    2,
  );
  const masscan = new Map(keys.map((k) => [k, 'unknown'] as const));
  assert.equal(
    lostAnswers(masscan, (k) => truth.get(k), keys, true),
    1,
  );
});
