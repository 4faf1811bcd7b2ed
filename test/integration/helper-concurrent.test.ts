import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHelper, type HelperClient } from '../../src/helper/client';
import { labDown, labTopology, labUp } from '../../src/lab';
import { PROTOCOL_VERSION, type ScanStartParams, type ScanSummary } from '../../src/protocol';

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
      const { scanId } = await c.request('scan.start', { targets: [TARGET], ports: '1-200', techniques: MIXES[k]! });
      started++;
      running.push(c.waitForScan(scanId));
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

  const { results } = await c.scan({ targets: [TARGET], ports: '22,23,25,110', techniques: ['syn'] });
  const seen = Object.fromEntries(results.map((r) => [r.port, `${r.state} ${r.reason}`]));
  assert.deepEqual(seen, { 22: 'open syn-ack', 23: 'closed reset', 25: 'filtered no-response', 110: 'filtered admin-prohibited' });
});
