import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScan } from '../../src/engine/scan';
import { breakEngineEpoll, engineEpollFds, nativeThreads } from '../support/engine-fault';

/**
 * The connect scan when the native engine's thread fails mid-scan (its epoll descriptor swapped for /dev/null:
 * see test/support/engine-fault.ts): the scan ends, partial, and says why, instead of waiting for results that
 * cannot come. On this host's loopback, paced by --rate so the engine sleeps between starts and the swap is clean.
 */
const PORTS = Array.from({ length: 4000 }, (_, k) => 41000 + k);
const LIMIT_MS = 60_000;

test('the engine failing mid-scan: the scan ends partial, its summary says the connect engine stopped and why', { timeout: LIMIT_MS }, async () => {
  const enginesBefore = new Set(engineEpollFds());
  let broken = false;
  let polls = 0;
  // Every millisecond until the scan's engine shows up, bounded by the test's timeout.
  const watcher = setInterval(() => {
    polls++;
    const fd = engineEpollFds().find((f) => !enginesBefore.has(f));
    if (fd === undefined || broken) return;
    breakEngineEpoll(fd);
    broken = true;
    clearInterval(watcher);
  }, 1);
  let decided = 0;
  try {
    const outcome = await runScan(
      { scanId: 'engine-failure', targets: ['127.0.0.1'], ports: { tcp: PORTS, udp: [] }, techniques: ['connect'], rate: 400 },
      { port: () => decided++ },
    );
    assert.ok(broken, `the engine's epoll descriptor was found and swapped (${polls} polls)`);
    const { summary } = outcome;
    assert.equal(summary.partial, true);
    assert.match(summary.error ?? '', /^the connect engine stopped during the scan \(EINVAL: .* \(epoll_(wait|ctl)\)\)$/);
    assert.equal(summary.techniques.length, 1);
    assert.match(summary.techniques[0]!.note ?? '', /connect engine stopped/);
    assert.ok(decided < PORTS.length, `${decided} of ${PORTS.length} ports reported`);
    assert.ok(!nativeThreads().includes('pl-connect'), `threads left: ${nativeThreads().join(', ')}`);
  } finally {
    clearInterval(watcher);
  }
});
