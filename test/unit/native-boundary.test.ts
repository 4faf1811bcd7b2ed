import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
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

test('constructors refuse bad arguments with clear errors', { skip: rootSkip }, () => {
  const native = loadNativeLayer();
  const options = { snaplen: 1518, ringBytes: 1 << 18, onFrames: () => undefined, onError: () => undefined };
  assert.throws(
    () => new native.PacketSocket('pl-none0', '', options),
    (e: NodeJS.ErrnoException) => e.code === 'ENODEV',
  );
  assert.throws(() => new native.PacketSocket('lo', 'tcp and (', options), /bad capture filter: .*syntax error/);
  assert.throws(() => new native.PacketSocket('lo', '', { ...options, snaplen: 0 }), RangeError);
  assert.throws(() => new native.PacketSocket('lo', '', { ...options, ringBytes: 2 ** 40 }), RangeError);
  assert.throws(() => new native.PacketSocket('lo', '', { ...options, onFrames: 1 as unknown as () => void }), TypeError);
  assert.throws(() => new native.RawIpSocket(4, '1.2.3', () => undefined), TypeError);
  assert.throws(() => new native.RawIpSocket(5 as 4, '127.0.0.1', () => undefined), RangeError);
  assert.throws(
    () => new native.RawIpSocket(6, 'fe80::1%pl-none0', () => undefined),
    (e: NodeJS.ErrnoException) => e.code === 'ENODEV',
  );
});

test(
  'the send/sendBatch boundary under random and hostile arguments: clear errors, counted refusals, no crash, nothing leaked',
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
    assert.ok(report.fds[1] <= report.fds[0], `file descriptors ${report.fds.join(' → ')}`);
    assert.ok(report.threads[1] <= report.threads[0], `threads ${report.threads.join(' → ')}`);
  },
);
