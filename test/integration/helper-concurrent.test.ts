import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHelper, type HelperClient } from '../../src/helper/client';
import { labDown, labTopology, labUp } from '../../src/lab';
import { PROTOCOL_VERSION, type PortResult, type ScanProgress, type ScanStartParams, type ScanSummary } from '../../src/protocol';

// Concurrent scans open and close many capture handles; npm cap used to leave freed libuv poll
// handles behind and destroy its async resource inside V8's GC, and the helper died of SIGSEGV
// within seconds of such a workload (patches/cap+0.2.1.patch). This is that workload.
const ID = 33;
const topo = labTopology(ID);
const TARGET = topo.target.address;
const CLI = resolve(__dirname, '..', '..', 'out', 'cli.js');
const skip = process.getuid?.() === 0 ? false : 'needs root (network namespaces)';
const MIXES: ScanStartParams['techniques'][] = [['syn', 'fin', 'null', 'xmas', 'udp'], ['udp'], ['connect', 'syn'], ['udp', 'null']];

let client: HelperClient | undefined;
let captureDir = '';

before(async () => {
  if (skip) return;
  // No ICMP rate limit: the scans finish fast, so handles are opened and closed at the pace that crashed.
  await labUp(ID, { icmpRatelimitMs: 0 });
  captureDir = mkdtempSync(join(tmpdir(), 'portlab-concurrent-'));
  client = await startHelper({ cliPath: CLI, captureDir, netns: topo.scanner.namespace });
  await client.request('hello', { protocolVersion: PROTOCOL_VERSION, client: 'helper-concurrent test' });
});

after(async () => {
  await client?.close();
  if (!skip) await labDown(ID);
  if (captureDir) rmSync(captureDir, { recursive: true, force: true });
});

test('the helper survives rounds of concurrent scans with cancels, and still scans right', { skip, timeout: 240_000 }, async () => {
  const c = client!;
  let started = 0;
  let cancelled = 0;
  for (let round = 0; round < 3; round++) {
    const running: Promise<ScanSummary>[] = [];
    for (let k = 0; k < 4; k++) {
      const session = c.scan({ targets: [TARGET], ports: '1-200', techniques: MIXES[k]! });
      const { scanId } = await session.started;
      started++;
      running.push(session.finished.then((f) => f.summary));
      if (k % 2 === 1) {
        await new Promise((r) => setTimeout(r, 150));
        const { cancelled: ok } = await c.request('scan.cancel', { scanId });
        if (ok) cancelled++;
      }
    }
    const hello = await c.request('hello', { protocolVersion: PROTOCOL_VERSION, client: `round ${round}` });
    assert.equal(typeof hello.pid, 'number');
    const summaries = await Promise.all(running);
    assert.equal(summaries.length, 4);
  }
  assert.equal(started, 12);
  assert.ok(cancelled >= 1, 'at least one scan was cancelled mid-run');

  const { results } = await c.scan({ targets: [TARGET], ports: '22,23,25,110', techniques: ['syn'] }).finished;
  const seen = Object.fromEntries(results.map((r) => [r.port, `${r.state} ${r.reason}`]));
  assert.deepEqual(seen, { 22: 'open syn-ack', 23: 'closed reset', 25: 'filtered no-response', 110: 'filtered admin-prohibited' });
});

/** TCP ports listening on 127.0.0.1 or any address in the scanner namespace (/proc/net/tcp, state 0A). */
function listeningPorts(): Set<number> {
  const table = execFileSync('ip', ['netns', 'exec', topo.scanner.namespace, 'cat', '/proc/net/tcp'], { encoding: 'utf8' });
  const ports = new Set<number>();
  for (const line of table.split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    const [address, port] = (local ?? '').split(':');
    if (state === '0A' && (address === '0100007F' || address === '00000000')) ports.add(parseInt(port!, 16));
  }
  return ports;
}

// Four scans of 127.0.0.1 at once used to report 107-241 closed ports each as filtered: raw-socket sent one
// queued probe per event-loop turn, so probes left after their timeout had begun, and on lo the capture's
// ring (64 KiB slots: 16 frames) took every scan's traffic.
test('four concurrent SYN scans of 127.0.0.1 each give exactly the right states', { skip, timeout: 120_000 }, async () => {
  const LISTEN = [7, 1999, 2500, 3000];
  const listeners = spawn(
    'ip',
    [
      'netns',
      'exec',
      topo.scanner.namespace,
      process.execPath,
      '-e',
      `const net = require('node:net'); let up = 0; for (const p of ${JSON.stringify(LISTEN)}) net.createServer((s) => s.destroy()).listen(p, '127.0.0.1', () => ++up === ${LISTEN.length} && console.log('ready'));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the listeners did not start')), 10_000);
      listeners.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && (clearTimeout(timer), resolve()));
    });
    const open = listeningPorts();
    for (const p of LISTEN) assert.ok(open.has(p), `port ${p} listens`);
    const want: string[] = [];
    for (let port = 1; port <= 3000; port++) want.push(`${port} ${open.has(port) ? 'open syn-ack' : 'closed reset'}`);

    const c = client!;
    const scans = await Promise.all(
      Array.from({ length: 4 }, () => c.scan({ targets: ['127.0.0.1'], ports: '1-3000', techniques: ['syn'], rate: 1000 }).finished),
    );
    const states = (results: PortResult[]) => results.map((r) => `${r.port} ${r.state} ${r.reason}`).sort((a, b) => parseInt(a) - parseInt(b));
    for (const [k, { summary, results }] of scans.entries()) {
      assert.equal(summary.partial, false, `scan ${k} complete`);
      assert.deepEqual(states(results), want, `scan ${k}: every port as it is (note: ${summary.techniques[0]?.note ?? 'none'})`);
    }
  } finally {
    listeners.kill('SIGKILL');
  }
});

// A connect scan of 1-3000 used to end on scan.progress 2818/3000 (it reported only inside its loop), and
// counted every decided port as answered, timeouts included.
test('a connect scan ends with a last scan.progress of every port, answered counting answers only', { skip, timeout: 60_000 }, async () => {
  const c = client!;
  const progress: ScanProgress[] = [];
  const { results } = await c.scan({ targets: [TARGET], ports: '1-3000', techniques: ['connect'] }, { progress: (p) => progress.push(p) }).finished;
  assert.equal(results.length, 3000);
  const timedOut = results.filter((r) => r.reason === 'no-response').map((r) => r.port);
  assert.deepEqual(timedOut, [25], 'the lab drops port 25 (8080 is out of range)');
  const last = progress.at(-1)!;
  assert.deepEqual([last.done, last.total, last.answered], [3000, 3000, 3000 - timedOut.length], 'the last progress: done, total, answered');
  assert.ok(
    progress.every((p) => p.answered <= p.done),
    'never more answers than decided ports',
  );
});
