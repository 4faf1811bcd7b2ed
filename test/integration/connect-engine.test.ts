import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { labDown, labUp, LAB_TRUTH } from '../../src/lab';
import { ScanDocument } from '../../src/protocol';
import { expectedLabVerdict } from '../../src/technique/lab-answer';
import type { EngineRun } from '../support/connect-engine-run';
import { buildCli, CLI, ROOT } from './scan-support';

/** The native connect engine and the connect scan on it, against lab 194 (reserved for these tests). */
const ID = 194;
const NETNS = `portlab${ID}-scanner`;
const TARGET = `198.18.${ID}.2`;
const LIMIT_MS = 120_000;
const run = promisify(execFile);
const outRoot = mkdtempSync(join(tmpdir(), 'portlab-connect-engine-'));

const portsOf = (truth: string) => LAB_TRUTH.filter((p) => p.protocol === 'tcp' && p.truth === truth).map((p) => p.port);
const OPEN = portsOf('open');
const CLOSED = portsOf('closed');
const DROP = portsOf('filtered-drop');
const REJECT = portsOf('filtered-reject');

/**
 * Runs test/support/connect-engine-run.ts in the scanner namespace, with `ulimit -n` when given, and returns
 * what it printed.
 */
async function engineRun(spec: { address: string; ports: number[]; timeoutMs: number; closeAfterMs?: number }, fileLimit?: number): Promise<EngineRun> {
  const argv = [process.execPath, '--import', 'tsx', join(ROOT, 'test', 'support', 'connect-engine-run.ts'), JSON.stringify(spec)];
  const shell = `${fileLimit === undefined ? '' : `ulimit -n ${fileLimit}; `}exec "$@"`;
  const { stdout } = await run('ip', ['netns', 'exec', NETNS, 'bash', '-c', shell, 'bash', ...argv], { cwd: ROOT, timeout: LIMIT_MS });
  return JSON.parse(stdout) as EngineRun;
}

const outcomesById = (r: EngineRun) => new Map(r.results.map(([id, outcome]) => [id, outcome]));

before(async () => {
  await buildCli();
  await labUp(ID);
});

after(async () => {
  await labDown(ID);
  rmSync(outRoot, { recursive: true, force: true });
});

test("each lab port's outcome is the errno connect() gives, and a silent port times out no sooner than asked", async () => {
  const outcomeOf = new Map([
    ...OPEN.map((p) => [p, 'connected'] as const),
    ...CLOSED.map((p) => [p, 'ECONNREFUSED'] as const),
    ...DROP.map((p) => [p, 'timeout'] as const),
    ...REJECT.map((p) => [p, 'EHOSTUNREACH'] as const),
  ]);
  // A closed port before each of the others: the engine reuses the socket a refusal leaves unconnected, and
  // that socket's next attempt meets every other outcome.
  const ports = [...OPEN, ...DROP, ...REJECT, ...CLOSED].flatMap((port, i) => [CLOSED[i % CLOSED.length]!, port]);
  const r = await engineRun({ address: TARGET, ports, timeoutMs: 400 });
  const byId = outcomesById(r);
  assert.equal(r.results.length, ports.length, 'one result per attempt');
  assert.deepEqual(
    ports.map((port, id) => [port, byId.get(id)]),
    ports.map((port) => [port, outcomeOf.get(port)]),
  );
  for (const [id, outcome, elapsedMs] of r.results) if (outcome === 'timeout') assert.ok(elapsedMs >= 400, `port ${ports[id]} gave up after ${elapsedMs} ms`);
  assert.deepEqual(r.leftOpen, [], 'no descriptor left once every result is in');
});

/**
 * The lab's listeners are bound to the target's global addresses, so its link-local address refuses every port:
 * the refusal is the target's RST, which only came because the SYN left by the zone's interface. Without a
 * zone the kernel cannot tell which link is meant.
 */
test("IPv6 with a %zone: the target's link-local address through the scanner's interface", async () => {
  const { stdout } = await run('ip', ['-n', `portlab${ID}-target`, '-6', '-j', 'addr', 'show', 'dev', `pl${ID}t`, 'scope', 'link']);
  const linkLocal = (JSON.parse(stdout) as { addr_info: { local?: string }[] }[])[0]!.addr_info.find((a) => a.local)!.local!;
  const ports = [OPEN[0]!, CLOSED[0]!];
  const zoned = await engineRun({ address: `${linkLocal}%pl${ID}s`, ports, timeoutMs: 2000 });
  assert.deepEqual(
    zoned.results.map(([, outcome]) => outcome),
    ['ECONNREFUSED', 'ECONNREFUSED'],
  );
  const unzoned = await engineRun({ address: linkLocal, ports, timeoutMs: 2000 });
  assert.deepEqual(
    unzoned.results.map(([, outcome]) => outcome),
    ['EINVAL', 'EINVAL'],
  );
});

test('close() while attempts are still connecting: no result after it, every socket closed', async () => {
  const ports = Array.from({ length: 100 }, (_, k) => DROP[k % DROP.length]!);
  const r = await engineRun({ address: TARGET, ports, timeoutMs: 30_000, closeAfterMs: 500 });
  assert.ok(r.heldBeforeClose >= ports.length, `the attempts held their sockets before close() (${r.heldBeforeClose})`);
  assert.deepEqual(r.results, []);
  assert.deepEqual(r.leftOpen, []);
});

test('out of file descriptors (ulimit -n 40): every id still gets a result, EMFILE for those that found none', async () => {
  // Dropped ports hold their socket until the timeout, so the attempts after them run out.
  const ports = Array.from({ length: 200 }, (_, k) => (k % 2 ? DROP[k % DROP.length]! : CLOSED[k % CLOSED.length]!));
  const r = await engineRun({ address: TARGET, ports, timeoutMs: 500 }, 40);
  const byId = outcomesById(r);
  assert.equal(r.results.length, ports.length);
  assert.equal(byId.size, ports.length, 'each id once');
  const outcomes = new Set(byId.values());
  assert.ok(outcomes.has('EMFILE'), `EMFILE among ${[...outcomes].join(', ')}`);
  for (const [id, outcome] of byId) {
    const expected = DROP.includes(ports[id]!) ? 'timeout' : 'ECONNREFUSED';
    assert.ok(outcome === expected || outcome === 'EMFILE', `port ${ports[id]}: ${outcome}`);
  }
});

/**
 * A hundred more dropped ports (an nft rule in the target for this test) hold a descriptor each until their
 * timeout, more than a `ulimit -n 32` leaves the CLI beside its own: the scan must try the refused attempts
 * again and still decide every port as the lab's truth says.
 */
test('the connect scan under ulimit -n 32: every port decided as the lab says, none lost to EMFILE', async () => {
  const extraDrop = Array.from({ length: 100 }, (_, k) => 2000 + k);
  const nft = (script: string) => run('ip', ['netns', 'exec', `portlab${ID}-target`, 'nft', script]);
  await nft('add table inet n2test; add chain inet n2test input { type filter hook input priority -10; }; add rule inet n2test input tcp dport 2000-2099 drop');
  try {
    const truth = LAB_TRUTH.filter((p) => p.protocol === 'tcp');
    const ports = [...truth.map((p) => p.port), ...extraDrop];
    const outDir = join(outRoot, 'ulimit');
    const argv = [process.execPath, CLI, 'scan', TARGET, '-p', ports.join(','), '-sT', '--json', '--out', outDir];
    const { stdout } = await run('ip', ['netns', 'exec', NETNS, 'bash', '-c', 'ulimit -n 32; exec "$@"', 'bash', ...argv], {
      timeout: LIMIT_MS,
      maxBuffer: 64 << 20,
    });
    const doc = ScanDocument.parse(JSON.parse(stdout));
    assert.equal(doc.summary?.partial, false);
    const byPort = new Map(doc.results.map((r) => [r.port, r]));
    assert.equal(byPort.size, ports.length, 'one result per port');
    for (const { port, truth: t } of truth) {
      const { state, reason } = expectedLabVerdict('connect', t);
      assert.deepEqual([byPort.get(port)?.state, byPort.get(port)?.reason], [state, reason], `port ${port} (${t})`);
    }
    for (const port of extraDrop) assert.deepEqual([byPort.get(port)?.state, byPort.get(port)?.reason], ['filtered', 'no-response'], `port ${port}`);
    const synsOnWire = doc.results.flatMap((r) => r.exchange).filter((p) => p.dir === 'out' && p.flags === 'S').length;
    assert.equal(doc.summary?.techniques[0]?.packetsSent, synsOnWire, 'an attempt refused EMFILE sent nothing and is not counted');
  } finally {
    await nft('delete table inet n2test');
  }
});

/**
 * In a namespace whose only ephemeral port is the one scanned, connect() to it on lo meets itself (TCP
 * simultaneous open): connected, to no listener. nmap retries such a probe as timed out and ends with
 * filtered; so must the engine (a timeout) and the scan.
 */
test('a self-connect on lo is no open port: the engine reports a timeout, the scan says filtered as nmap does', async () => {
  const netns = 'pl-n2-self';
  const inNs = (...argv: string[]) => run('ip', ['netns', 'exec', netns, ...argv], { cwd: ROOT, timeout: LIMIT_MS });
  await run('ip', ['netns', 'add', netns]);
  try {
    await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    await inNs('sysctl', '-qw', 'net.ipv4.ip_local_port_range=40000 40000');
    const { stdout: engineOut } = await inNs(
      process.execPath,
      '--import',
      'tsx',
      join(ROOT, 'test', 'support', 'connect-engine-run.ts'),
      JSON.stringify({ address: '127.0.0.1', ports: [40000], timeoutMs: 500 }),
    );
    assert.deepEqual(
      (JSON.parse(engineOut) as EngineRun).results.map(([, outcome]) => outcome),
      ['timeout'],
    );
    const { stdout } = await inNs(process.execPath, CLI, 'scan', '127.0.0.1', '-sT', '-p', '40000', '--json');
    const r = ScanDocument.parse(JSON.parse(stdout)).results[0]!;
    assert.deepEqual([r.state, r.reason], ['filtered', 'no-response']);
  } finally {
    await run('ip', ['netns', 'del', netns]);
  }
});
