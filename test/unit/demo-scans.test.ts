import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoScanArgs, demoScans } from '../../src/cli/demo/demo-scans';
import { labTopology } from '../../src/lab';
import { plannedDescription } from '../../src/lab/describe';

const TARGET_PORTS = 'T:22,53,80,23,443,25,8080,110,3306,U:7,53,69,162,123,137,514,1900';

test('the demo scans the IPv4 target with all ten techniques, the idle one through the zombie', () => {
  const [ipv4] = demoScans(plannedDescription(labTopology(0)), 'results/demo');
  assert.deepEqual(demoScanArgs(ipv4!), [
    'scan',
    '198.18.0.2',
    '-p',
    TARGET_PORTS,
    ...['-sT', '-sS', '-sX', '-sF', '-sN', '-sA', '-sW', '-sM'],
    ...['-sI', '198.18.0.4'],
    // last: its closed ports spend the target's ICMP budget, which the TCP techniques' rejected ports need
    '-sU',
    ...['--out', 'results/demo'],
  ]);
  assert.equal(ipv4!.title, 'IPv4 target 198.18.0.2: every technique');
  assert.equal(ipv4!.note, "idle (-sI) sends its SYNs in the name of the lab's zombie 198.18.0.4");
});

test("the stateless host gets the TCP techniques on its own ports, in a folder of its own, and the heading names its SYN-only rule's port", () => {
  const [, stateless] = demoScans(plannedDescription(labTopology(0)), 'results/demo');
  assert.deepEqual(demoScanArgs(stateless!), [
    'scan',
    '198.18.0.3',
    '-p',
    'T:22,80,23,25',
    ...['-sT', '-sS', '-sX', '-sF', '-sN', '-sA', '-sW', '-sM'],
    ...['--out', 'results/demo/stateless'],
  ]);
  assert.match(stateless!.note, /drops only SYN without ACK on 80: a SYN scan sees filtered there, an ACK scan unfiltered/);
});

test("the IPv6 target gets every technique but idle, on the target's ports, with one line saying why", () => {
  const [, , ipv6] = demoScans(plannedDescription(labTopology(0)), 'results/demo');
  assert.deepEqual(demoScanArgs(ipv6!), [
    'scan',
    '2001:2::2',
    '-p',
    TARGET_PORTS,
    ...['-sT', '-sS', '-sX', '-sF', '-sN', '-sA', '-sW', '-sM', '-sU'],
    ...['--out', 'results/demo/ipv6'],
  ]);
  assert.equal(ipv6!.title, 'IPv6 target 2001:2::2: every technique but idle (-sI)');
  assert.equal(ipv6!.note, "idle (-sI) is not run over IPv6: the lab's zombie answers over IPv4 only");
});

test("the IPv6 target gets the idle scan too once the lab's zombie answers on its IPv6 address", () => {
  const lab = plannedDescription(labTopology(0));
  const zombie = { protocol: 'tcp' as const, program: 'portlab lab zombie', pid: 4242, addresses: ['198.18.0.4', '198.18.0.5', '2001:2:0:0:0:0:0:4'] };
  const [, , ipv6] = demoScans({ ...lab, listeners: [zombie] }, 'results/demo');
  assert.deepEqual(demoScanArgs(ipv6!).slice(-6), ['-sM', '-sI', '2001:2::4', '-sU', '--out', 'results/demo/ipv6']);
  assert.equal(ipv6!.title, 'IPv6 target 2001:2::2: every technique');
  assert.equal(ipv6!.note, "idle (-sI) sends its SYNs in the name of the lab's zombie 2001:2::4");
});

test("another lab's demo scans that lab's hosts", () => {
  const scans = demoScans(plannedDescription(labTopology(246)), 'out');
  assert.deepEqual(
    scans.map((s) => [s.target, s.zombie, s.out]),
    [
      ['198.18.246.2', '198.18.246.4', 'out'],
      ['198.18.246.3', undefined, 'out/stateless'],
      ['2001:2:0:246::2', undefined, 'out/ipv6'],
    ],
  );
});
