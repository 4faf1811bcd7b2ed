import { spawn } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HelperClient, HelperGoneMidScanError, HelperRequestError } from '../../src/helper/client';
import { RpcErrorCode, type ScanProgress, type ScanStartParams } from '../../src/protocol';

/**
 * A helper that plays a script instead of scanning: scan.start's `ports` names the script. It reports a
 * scan before answering scan.start (as a real helper may), answers late, dies mid-scan or refuses, so
 * that the client's session is seen meeting each.
 */
const SCRIPTED_HELPER = `
const rpc = require(${JSON.stringify(require.resolve('vscode-jsonrpc/node'))});
const c = rpc.createMessageConnection(new rpc.StreamMessageReader(process.stdin), new rpc.StreamMessageWriter(process.stdout));
const batch = (scanId, ...numbers) => ({ scanId, results: numbers.map((port) => ({ technique: 'syn', target: '198.18.0.2', port, protocol: 'tcp', state: 'open', reason: 'syn-ack', exchange: [] })) });
const progress = (scanId, done) => ({ scanId, technique: 'syn', target: '198.18.0.2', sent: done, answered: done, done, total: 3, rate: 0 });
const done = (scanId, partial) => ({ scanId, partial, techniques: [] });
const cancelled = new Set();
let n = 0;
c.onRequest('scan.start', async ({ ports }) => {
  const scanId = 'scan-' + ++n;
  const answer = { scanId, captureDir: '/captures/' + scanId };
  if (ports === 'refuse') throw new rpc.ResponseError(${RpcErrorCode.userError}, 'params.ports: refused');
  if (ports === 'early') {
    c.sendNotification('scan.ports', batch('scan-other', 9));
    c.sendNotification('scan.ports', batch(scanId, 1, 2));
    c.sendNotification('scan.progress', progress(scanId, 2));
    setTimeout(() => {
      c.sendNotification('scan.ports', batch(scanId, 3));
      c.sendNotification('scan.done', done(scanId, false));
    }, 20);
  }
  if (ports === 'slow') {
    await new Promise((r) => setTimeout(r, 100));
    setTimeout(() => c.sendNotification('scan.done', done(scanId, cancelled.has(scanId))), 100);
  }
  if (ports === 'die') {
    c.sendNotification('scan.ports', batch(scanId, 1));
    setTimeout(() => process.exit(3), 50);
  }
  return answer;
});
c.onRequest('scan.cancel', ({ scanId }) => {
  cancelled.add(scanId);
  return { cancelled: true };
});
c.listen();
`;

function scriptedClient(): HelperClient {
  return new HelperClient(spawn(process.execPath, ['-e', SCRIPTED_HELPER]), 'direct');
}

const params = (script: string): ScanStartParams => ({ targets: ['198.18.0.2'], ports: script, techniques: ['syn'] });

test('a scan session gets the events that came before scan.start was answered, and only its own', async () => {
  const client = scriptedClient();
  try {
    const batches: number[][][] = [[], []];
    const progress: ScanProgress[] = [];
    const [first, second] = [0, 1].map((i) =>
      client.scan(params('early'), { ports: (b) => batches[i]!.push(b.map((r) => r.port)), progress: (p) => progress.push(p) }),
    );
    const [a, b] = await Promise.all([first!.finished, second!.finished]);
    assert.deepEqual([a.scanId, a.captureDir, a.summary.partial], ['scan-1', '/captures/scan-1', false]);
    assert.deepEqual([b.scanId, b.captureDir], ['scan-2', '/captures/scan-2']);
    assert.deepEqual(
      a.results.map((r) => r.port),
      [1, 2, 3],
    );
    assert.deepEqual(
      b.results.map((r) => r.port),
      [1, 2, 3],
    );
    const asSent = [[1, 2], [3]];
    assert.deepEqual(batches, [asSent, asSent], 'the port handlers saw each session’s batches as the helper sent them, none of scan-other');
    assert.deepEqual(
      progress.map((p) => p.scanId),
      ['scan-1', 'scan-2'],
    );
  } finally {
    await client.close();
  }
});

test('a cancel before the helper accepted the scan reaches it once it has, and an aborted signal cancels too', async () => {
  const client = scriptedClient();
  try {
    const early = client.scan(params('slow'));
    early.cancel();
    const stop = new AbortController();
    stop.abort();
    const aborted = client.scan(params('slow'), { signal: stop.signal });
    const untouched = client.scan(params('slow'));
    assert.deepEqual(
      (await Promise.all([early.finished, aborted.finished, untouched.finished])).map((f) => f.summary.partial),
      [true, true, false],
    );
  } finally {
    await client.close();
  }
});

test('a refused scan.start rejects both promises of the session with the helper’s error', async () => {
  const client = scriptedClient();
  try {
    const session = client.scan(params('refuse'));
    const refused = (err: unknown) => err instanceof HelperRequestError && err.code === RpcErrorCode.userError && err.message === 'params.ports: refused';
    await assert.rejects(session.started, refused);
    await assert.rejects(session.finished, refused);
  } finally {
    await client.close();
  }
});

test('a helper that dies mid-scan ends the session with HelperGoneMidScanError and the ports so far', async () => {
  const client = scriptedClient();
  const session = client.scan(params('die'));
  await assert.rejects(session.finished, (err: unknown) => {
    assert.ok(err instanceof HelperGoneMidScanError);
    assert.equal(err.scanId, 'scan-1');
    assert.equal(err.captureDir, '/captures/scan-1');
    assert.deepEqual(
      err.results.map((r) => r.port),
      [1],
    );
    assert.match(err.message, /^the PortLab helper exited with code 3 while scan scan-1 was running; its captures so far are in its capture directory$/);
    return true;
  });
  assert.equal(session.results.length, 1);
});
