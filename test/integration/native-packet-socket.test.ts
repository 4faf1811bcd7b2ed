import { execFileSync, spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rootSkip } from '../support/lab-env';
import type { PeerJob } from '../support/native-peer';

/**
 * The native packet layer on a veth pair between two namespaces of its own (pl-n1-a, pl-n1-b): batches both
 * ways, frames cut to the snaplen, the filter in place before the first frame, the interface lost mid-capture.
 */
const NS_A = 'pl-n1-a';
const NS_B = 'pl-n1-b';
const IF_A = 'pl-n1-a0';
const IF_B = 'pl-n1-b0';
const PEER = 'test/support/native-peer.ts';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

function removePair(): void {
  for (const ns of [NS_A, NS_B]) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // not there: nothing to remove
    }
  }
}

function makePair(): void {
  removePair();
  ip('netns', 'add', NS_A);
  ip('netns', 'add', NS_B);
  ip('link', 'add', IF_A, 'netns', NS_A, 'type', 'veth', 'peer', 'name', IF_B, 'netns', NS_B);
  ip('-n', NS_A, 'link', 'set', IF_A, 'up');
  ip('-n', NS_B, 'link', 'set', IF_B, 'up');
}

interface Peer {
  /** the JSON line the peer printed last */
  result: Promise<Record<string, unknown>>;
  /** resolves when the peer printed "ready" (receive and error jobs) */
  ready: Promise<void>;
  kill(): void;
}

function peer(ns: string, job: PeerJob, timeoutMs = 60_000): Peer {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', PEER, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('ready\n')) markReady();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = new Promise<Record<string, unknown>>((resolve, reject) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as Record<string, unknown>);
      } catch {
        reject(new Error(`native peer ${job.job} ended (${code ?? signal}) without a result: ${out}`));
      }
    }),
  );
  return { result, ready, kill: () => child.kill('SIGKILL') };
}

describe('native packet layer on a veth pair', { skip: rootSkip }, () => {
  before(makePair);
  after(removePair);

  test('batches of 1 to 100,000 frames arrive in order, cut to the snaplen, and are not captured back by the sender', async () => {
    const batches = [1, 7, 64, 4096, 100_000];
    const total = batches.reduce((a, b) => a + b, 0);
    const receiver = peer(NS_B, { job: 'receive', iface: IF_B, snaplen: 100, ringBytes: 32 << 20, expect: total, ms: 30_000 });
    await receiver.ready;
    const sent = await peer(NS_A, { job: 'send', iface: IF_A, batches, frameBytes: 200 }).result;
    const got = await receiver.result;
    const sendStats = sent.stats as { sent: number; sendErrors: number; queued: number };
    assert.equal(sendStats.sent, total, 'every frame went out');
    assert.equal(sendStats.sendErrors, 0);
    assert.equal(sent.ownCaptured, 0, 'the sending socket does not capture its own frames');
    const stats = got.stats as { received: number; dropped: number };
    assert.equal(got.error, undefined);
    assert.deepEqual(got.lengths, [100], 'every 200-byte frame is cut to the 100-byte snaplen');
    assert.equal(got.outOfOrder, 0, 'frames arrive in the order sent');
    assert.equal((got.frames as number) + stats.dropped, total, 'every frame is received or counted dropped');
    assert.equal(stats.received, got.frames);
  });

  test('in the smallest ring, frames as long as the snaplen arrive whole: each block holds one (9000 and 60000-byte MTUs)', async () => {
    try {
      for (const mtu of [9000, 60000]) {
        for (const [ns, iface] of [
          [NS_A, IF_A],
          [NS_B, IF_B],
        ] as const)
          ip('-n', ns, 'link', 'set', iface, 'mtu', String(mtu));
        const frameBytes = mtu + 14;
        const receiver = peer(NS_B, { job: 'receive', iface: IF_B, snaplen: frameBytes + 4, ringBytes: 1, expect: 20, ms: 5_000 });
        await receiver.ready;
        const sent = await peer(NS_A, { job: 'send', iface: IF_A, batches: [1, 1, 1, 1, 16], frameBytes }).result;
        const got = await receiver.result;
        assert.equal((sent.stats as { sent: number }).sent, 20);
        assert.equal(got.error, undefined);
        assert.deepEqual(got.lengths, [frameBytes], `MTU ${mtu}: every frame captured whole, none cut to a block`);
        assert.equal((got.frames as number) + (got.stats as { dropped: number }).dropped, 20, 'every frame received or counted dropped');
      }
    } finally {
      for (const [ns, iface] of [
        [NS_A, IF_A],
        [NS_B, IF_B],
      ] as const)
        ip('-n', ns, 'link', 'set', iface, 'mtu', '1500');
    }
  });

  test('a drained capture has handed over every frame the kernel had put in its ring', async () => {
    ip('link', 'add', 'pl-n1-c0', 'netns', NS_A, 'type', 'veth', 'peer', 'name', 'pl-n1-c1', 'netns', NS_A);
    ip('-n', NS_A, 'link', 'set', 'pl-n1-c0', 'up');
    ip('-n', NS_A, 'link', 'set', 'pl-n1-c1', 'up');
    for (const frames of [1, 300, 3000]) {
      const got = await peer(NS_A, { job: 'drain', iface: 'pl-n1-c1', sendIface: 'pl-n1-c0', frames }).result;
      assert.equal(got.dropped, 0, `${frames} frames: the ring had room for all`);
      assert.equal(got.captured, frames, `${frames} frames: the kernel counts each it put in the ring`);
      assert.equal(got.atDrain, frames, `${frames} frames: every one reached onFrame by the time drain() resolved (${String(got.beforeDrain)} before it)`);
    }
  });

  test('no frame the filter refuses reaches JS, even while they flood in as the socket opens', async () => {
    const flood = peer(NS_A, { job: 'flood', iface: IF_A });
    // killed below: it never prints a result
    flood.result.catch(() => undefined);
    try {
      const got = await peer(NS_B, { job: 'reopen', iface: IF_B, opens: 40, ms: 20 }).result;
      assert.equal(got.wrong, 0);
    } finally {
      flood.kill();
    }
  });

  test('the interface going down ends the capture with one onError, and nothing after close()', async () => {
    const watcher = peer(NS_B, { job: 'error', iface: IF_B, ms: 10_000 });
    await watcher.ready;
    ip('-n', NS_B, 'link', 'set', IF_B, 'down');
    const got = await watcher.result;
    assert.equal((got.errors as string[]).length, 1);
    assert.match((got.errors as string[])[0]!, /^ENETDOWN/);
    assert.equal(got.afterClose, 0);
    assert.match(got.sendError as string, /closed/);
    ip('-n', NS_B, 'link', 'set', IF_B, 'up');
  });

  test('the interface removed mid-capture: one onError', async () => {
    const watcher = peer(NS_B, { job: 'error', iface: IF_B, ms: 10_000 });
    await watcher.ready;
    ip('-n', NS_A, 'link', 'del', IF_A);
    const got = await watcher.result;
    assert.equal((got.errors as string[]).length, 1);
    assert.match((got.errors as string[])[0]!, /^ENETDOWN/);
  });
});
