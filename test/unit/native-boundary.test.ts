import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { loadNativeLayer } from '../../src/link/native-addon';
import type { NativeFuzzReport } from '../../scripts/fuzz-native';

const rootSkip = process.getuid?.() === 0 ? false : 'needs CAP_NET_RAW (packet and raw IP sockets)';

test('compileFilter: libpcap compiles the scan filters, `inbound` included, and refuses bad ones with its message', () => {
  const native = loadNativeLayer();
  assert.ok(native.compileFilter('inbound and (arp or (host 127.0.0.1 and ((tcp or udp) and portrange 40000-40255)))', 1518) > 5);
  assert.ok(native.compileFilter('(ip6 host ::1 and (((tcp or udp) and portrange 1-2) or icmp6 or ip6[6] == 44))', 1518) > 5);
  assert.throws(() => native.compileFilter('host 300.1.1.1', 1518), /300\.1\.1\.1|illegal|invalid/i);
  assert.throws(() => native.compileFilter('tcp and (', 1518), /syntax error/);
  assert.throws(() => native.compileFilter('tcp', 0), RangeError);
  assert.throws(() => (native.compileFilter as (...a: unknown[]) => number)(42, 1518), TypeError);
});

test('now() is CLOCK_REALTIME in microseconds', () => {
  const native = loadNativeLayer();
  const before = Date.now() * 1000;
  const now = native.now();
  assert.ok(now >= before - 1000 && now <= Date.now() * 1000 + 1000, `${now} vs ${before}`);
});

test('constructors refuse bad arguments with clear errors', { skip: rootSkip }, async () => {
  const native = loadNativeLayer();
  const options = { snaplen: 1518, ringBytes: 1 << 18, onFrames: () => undefined, onError: () => undefined };
  await assert.rejects(native.PacketSocket.open('pl-none0', '', options), (e: NodeJS.ErrnoException) => e.code === 'ENODEV' && /^ENODEV: /.test(e.message));
  await assert.rejects(native.PacketSocket.open('lo', 'tcp and (', options), /bad capture filter: .*syntax error/);
  assert.throws(() => native.PacketSocket.open('lo', '', { ...options, snaplen: 0 }), RangeError);
  assert.throws(() => native.PacketSocket.open('lo', '', { ...options, ringBytes: 2 ** 40 }), RangeError);
  assert.throws(() => native.PacketSocket.open('lo', '', { ...options, onFrames: 1 as unknown as () => void }), TypeError);
  assert.throws(() => new (native.PacketSocket as unknown as new (...a: unknown[]) => unknown)('lo', '', options), /made by PacketSocket\.open/);
  assert.throws(() => new native.RawIpSocket(4, '1.2.3', () => undefined), TypeError);
  assert.throws(() => new native.RawIpSocket(5 as 4, '127.0.0.1', () => undefined), RangeError);
  assert.throws(
    () => new native.RawIpSocket(6, 'fe80::1%pl-none0', () => undefined),
    (e: NodeJS.ErrnoException) => e.code === 'ENODEV',
  );
});

test(
  'the send/sendBatch/open boundary under random and hostile arguments: clear errors, counted refusals, no crash, nothing leaked after 200 opens',
  { skip: rootSkip },
  async () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    // In a child: a crash of the addon must fail this test, not end the test runner.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/fuzz-native.ts', '--iterations', '4000', '--seed', String(seed)],
      {
        timeout: 60_000,
      },
    ).catch((err: { stdout?: string; code?: number; signal?: string }) => {
      throw new Error(`fuzz-native (seed ${seed}) ended with ${err.code ?? err.signal}: ${err.stdout ?? ''}`);
    });
    const report = JSON.parse(stdout) as NativeFuzzReport;
    assert.deepEqual(report.unexpected, [], `seed ${seed}`);
    assert.equal(report.calls, 4000);
    assert.ok(report.typeErrors > 0 && report.rangeErrors > 0 && report.returned > 0, JSON.stringify(report));
    assert.ok(report.countedSendErrors > 0, 'frames shorter than a header are refused by the kernel and counted');
    assert.ok(report.closedCallsThrew);
    assert.ok(report.engineArgumentErrors > 0 && report.engineStarted > 0, 'the connect engine fuzzed too');
    assert.deepEqual(report.openArgumentErrors, { typeErrors: 6, rangeErrors: 5 });
    assert.deepEqual(report.openMissingInterface, ['ENODEV', 'ENODEV', 'ENODEV']);
    assert.equal(report.opened, 200, 'every open on lo resolved');
    assert.ok(report.constructorRefused, 'a PacketSocket is made by PacketSocket.open only');
    assert.ok(report.fds[1] <= report.fds[0], `file descriptors ${report.fds.join(' → ')}`);
    assert.ok(report.threads[1] <= report.threads[0], `threads ${report.threads.join(' → ')}`);
  },
);

test('a worker ending while its PacketSocket.open calls are under way: no crash, no thread or descriptor left', { skip: rootSkip }, async () => {
  const addon = join(__dirname, '..', '..', 'build', 'Release', 'portlab_native.node');
  // In a child: a crash of the addon must fail this test, not end the test runner.
  const script = `
    const { Worker } = require('node:worker_threads');
    const { readdirSync } = require('node:fs');
    const counts = () => [readdirSync('/proc/self/fd').length, readdirSync('/proc/self/task').length];
    (async () => {
      // The first worker leaves Node's own descriptors behind (its stdio): counted from after one that opens nothing.
      await new Promise((resolve) => new Worker('', { eval: true }).once('exit', resolve));
      const before = counts();
      for (let i = 0; i < 12; i++) {
        const worker = new Worker(\`
          const native = require(\${JSON.stringify(${JSON.stringify(addon)})});
          for (let k = 0; k < 8; k++) native.PacketSocket.open('lo', '', { snaplen: 128, ringBytes: 1 << 18, onFrames() {}, onError() {} });
          if (\${i % 3 === 0}) process.exit(0);\`, { eval: true });
        if (i % 3 === 1) worker.terminate();
        if (i % 3 === 2) setTimeout(() => worker.terminate(), 5);
        await new Promise((resolve) => worker.once('exit', resolve));
      }
      let after = counts();
      for (let waited = 0; (after[0] > before[0] || after[1] > before[1]) && waited < 2000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        after = counts();
      }
      process.stdout.write(JSON.stringify({ before, after }));
    })();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { timeout: 60_000 }).catch(
    (err: { code?: number; signal?: string; stderr?: string }) => {
      throw new Error(`the workers' process ended with ${err.code ?? err.signal}: ${err.stderr ?? ''}`);
    },
  );
  const { before, after } = JSON.parse(stdout) as { before: [number, number]; after: [number, number] };
  assert.ok(after[0] <= before[0], `file descriptors ${before[0]} → ${after[0]}`);
  assert.ok(after[1] <= before[1], `threads ${before[1]} → ${after[1]}`);
});
