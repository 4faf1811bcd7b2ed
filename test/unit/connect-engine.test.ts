import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ConnectAttempts, connectOutcomeOf, isLocalShortage } from '../../src/link/connect-engine';
import type { ConnectOutcome } from '../../src/protocol';
import { breakEngineEpoll, engineEpollFds, nativeThreads } from '../support/engine-fault';
import { addedFds, openFds } from '../support/fd-table';

/** The native connect engine on this host's loopback: real sockets, no privilege needed. */

interface Ended {
  id: number;
  outcome: ConnectOutcome;
  elapsedMs: number;
}

/** Runs attempts to `address`, one per port, and resolves with every result once all ids have come back. */
function connectAll(address: string, ports: number[], timeoutMs = 2000): Promise<Ended[]> {
  return new Promise((resolve, reject) => {
    const ended: Ended[] = [];
    const attempts = new ConnectAttempts(
      (id, outcome, elapsedMs) => ended.push({ id, outcome, elapsedMs }),
      () => {
        if (ended.length < ports.length) return;
        assert.equal(attempts.inFlight, 0);
        attempts.close();
        resolve(ended.sort((a, b) => a.id - b.id));
      },
      reject,
    );
    attempts.start(address, Uint16Array.from(ports), Uint32Array.from(ports.keys()), ports.length, timeoutMs);
    assert.equal(attempts.inFlight, ports.length);
  });
}

interface Listener {
  server: Server;
  port: number;
  /** how the first `count` accepted connections ended ('ECONNRESET' when the client reset it, 'FIN'), within 5 s */
  endings(count: number): Promise<string[]>;
}

async function listener(host: string): Promise<Listener> {
  const endings: Promise<string>[] = [];
  const server = createServer((socket: Socket) => {
    endings.push(
      new Promise((resolve) => {
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        socket.once('end', () => resolve('FIN'));
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    async endings(count) {
      for (let waited = 0; endings.length < count && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      return Promise.all(endings.slice(0, count));
    },
  };
}

/** A port nothing listens on: one just given back by a listener. */
async function closedPort(host: string): Promise<number> {
  const { server, port } = await listener(host);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('errno numbers read as the names Node gives them; 0 is connected, -1 timed out', () => {
  assert.equal(connectOutcomeOf(0), 'connected');
  assert.equal(connectOutcomeOf(-1), 'timeout');
  assert.equal(connectOutcomeOf(111), 'ECONNREFUSED');
  assert.equal(connectOutcomeOf(113), 'EHOSTUNREACH');
  assert.equal(connectOutcomeOf(24), 'EMFILE');
  assert.equal(isLocalShortage(connectOutcomeOf(24)), true);
  assert.equal(isLocalShortage('ECONNREFUSED'), false);
});

for (const host of ['127.0.0.1', '::1']) {
  test(`${host}: a listener's port connects and is reset (the listener sees ECONNRESET), a closed port is refused, every id reported once`, async () => {
    const open = await listener(host);
    try {
      const closed = await closedPort(host);
      const ports = [open.port, closed, open.port, closed, closed];
      const ended = await connectAll(host, ports);
      assert.deepEqual(
        ended.map((e) => [e.id, e.outcome]),
        [
          [0, 'connected'],
          [1, 'ECONNREFUSED'],
          [2, 'connected'],
          [3, 'ECONNREFUSED'],
          [4, 'ECONNREFUSED'],
        ],
      );
      for (const e of ended) assert.ok(e.elapsedMs >= 0 && e.elapsedMs < 2000, `elapsed ${e.elapsedMs} ms`);
      assert.deepEqual(await open.endings(2), ['ECONNRESET', 'ECONNRESET'], 'SO_LINGER 0: a RST, not a FIN');
    } finally {
      await new Promise((resolve) => open.server.close(resolve));
    }
  });
}

test('a thousand attempts in one start(): every id comes back exactly once', async () => {
  const closed = await closedPort('127.0.0.1');
  const ports = Array.from({ length: 1000 }, () => closed);
  const ended = await connectAll('127.0.0.1', ports);
  assert.deepEqual(
    ended.map((e) => e.id),
    [...ports.keys()],
  );
  assert.ok(ended.every((e) => e.outcome === 'ECONNREFUSED'));
});

test('close() right after start(): no result is delivered after it, no socket is left, and it may be called again', async () => {
  const closed = await closedPort('127.0.0.1');
  const before = openFds();
  let results = 0;
  const attempts = new ConnectAttempts(
    () => results++,
    () => {},
    () => {},
  );
  attempts.start(
    '127.0.0.1',
    new Uint16Array(200).fill(closed),
    Uint32Array.from({ length: 200 }, (_, i) => i),
    200,
    1000,
  );
  attempts.close();
  attempts.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(results, 0);
  assert.equal(attempts.inFlight, 0);
  assert.deepEqual(addedFds(before), [], 'no descriptor left open: sockets, epoll and eventfd all closed');
  assert.throws(() => attempts.start('127.0.0.1', new Uint16Array([1]), new Uint32Array([0]), 1, 1000), /closed/);
});

test('bad arguments are JS errors, not crashes', () => {
  const attempts = new ConnectAttempts(
    () => {},
    () => {},
    () => {},
  );
  try {
    const one = [new Uint16Array([80]), new Uint32Array([0])] as const;
    assert.throws(() => attempts.start('not an address', ...one, 1, 1000), { name: 'TypeError', message: /not an IP address/ });
    assert.throws(() => attempts.start('example.invalid', ...one, 1, 1000), { name: 'TypeError' });
    assert.throws(() => attempts.start('127.0.0.1', ...one, 2, 1000), { name: 'RangeError' });
    assert.throws(() => attempts.start('127.0.0.1', ...one, -1, 1000), { name: 'RangeError' });
    assert.throws(() => attempts.start('127.0.0.1', ...one, 0.5, 1000), { name: 'RangeError' });
    assert.throws(() => attempts.start('127.0.0.1', ...one, 1, 0), { name: 'RangeError' });
    assert.throws(() => attempts.start('127.0.0.1', ...one, 1, Number.NaN), { name: 'RangeError' });
    assert.throws(() => attempts.start('127.0.0.1', new Uint32Array([80]) as unknown as Uint16Array, one[1], 1, 1000), { name: 'TypeError' });
    assert.throws(() => attempts.start('127.0.0.1', one[0], new Int32Array([0]) as unknown as Uint32Array, 1, 1000), { name: 'TypeError' });
    assert.equal(attempts.inFlight, 0, 'nothing started by a refused call');
    attempts.start('127.0.0.1', ...one, 0, 1000);
    assert.equal(attempts.inFlight, 0);
  } finally {
    attempts.close();
  }
});

test("the engine's thread failing (epoll_wait meets /dev/null): onFailed once with the errno, in flight dropped, start() refused, close() still clean", async () => {
  const closed = await closedPort('127.0.0.1');
  const fdsBefore = openFds();
  const enginesBefore = new Set(engineEpollFds());
  const ended: [number, ConnectOutcome][] = [];
  const failures: string[] = [];
  let failed!: () => void;
  const failure = new Promise<void>((resolve) => (failed = resolve));
  const attempts = new ConnectAttempts(
    (id, outcome) => ended.push([id, outcome]),
    () => {},
    (reason) => {
      failures.push(reason);
      failed();
    },
  );
  try {
    const epollFd = engineEpollFds().find((fd) => !enginesBefore.has(fd));
    assert.ok(epollFd !== undefined, "the new engine's epoll descriptor");
    breakEngineEpoll(epollFd);
    // Wakes the thread: it reads the request and starts the attempt, then its next epoll call fails.
    attempts.start('127.0.0.1', Uint16Array.of(closed, closed), Uint32Array.of(7, 8), 2, 1000);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([failure, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no onFailed within 10 s')), 10_000)))]);
    clearTimeout(timer);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(failures.length, 1, 'onFailed once');
    assert.match(failures[0]!, /^the connect engine stopped during the scan \(EINVAL: .* \(epoll_(wait|ctl)\)\)$/);
    // Whatever was reported before the failure is a real outcome of the port; the rest is dropped.
    for (const [id, outcome] of ended) assert.ok((id === 7 || id === 8) && outcome === 'ECONNREFUSED', `${id}: ${outcome}`);
    assert.equal(attempts.inFlight, 0, 'nothing left to wait for');
    assert.throws(() => attempts.start('127.0.0.1', Uint16Array.of(closed), Uint32Array.of(9), 1, 1000), /failed/);
  } finally {
    attempts.close();
  }
  attempts.close();
  assert.deepEqual(addedFds(fdsBefore), [], 'sockets, the /dev/null in the epoll slot and the eventfd all closed');
  assert.ok(!nativeThreads().includes('pl-connect'), `threads left: ${nativeThreads().join(', ')}`);
});
