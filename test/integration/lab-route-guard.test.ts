import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cliInNetns, collect, exitOf, namespaces, rootSkip, run, sleep } from '../support/lab-env';

/**
 * A lab address asked for where the lab is not wired (lab down, or another namespace) must not follow the
 * default route off the machine. One namespace, made here, whose default routes (IPv4 and IPv6) lead to a
 * gateway outside the benchmarking ranges through a veth whose other end is in the same namespace, where
 * tcpdump watches for what a scan would send first: ARP or a neighbour solicitation for its next hop, or a
 * packet to a lab range. A route through a gateway inside a benchmarking range (a routed lab) stays open,
 * and the same capture sees its first packets: that is what makes the empty capture mean something.
 */
const NS = 'portlab253-astray';
const LAB_V4 = '198.18.253.2';
const LAB_V6 = '2001:2:0:253::2';
const ROUTED_V4 = '198.18.254.9';
const ROUTED_V6 = '2001:2:0:254::9';

const inNs = (...argv: string[]) => run('ip', ['netns', 'exec', NS, ...argv]);

async function removeNamespace(): Promise<void> {
  if ((await namespaces()).includes(NS)) await run('ip', ['netns', 'delete', NS]);
}

before(async () => {
  if (rootSkip) return;
  await removeNamespace();
  await run('ip', ['netns', 'add', NS]);
  await inNs('ip', 'link', 'add', 'out0', 'type', 'veth', 'peer', 'name', 'wire0');
  // No link-local address, no DAD, no router solicitation: the capture must hold only what a scan sends.
  await inNs('sysctl', '-q', '-w', 'net.ipv6.conf.out0.addr_gen_mode=1', 'net.ipv6.conf.out0.router_solicitations=0', 'net.ipv6.conf.out0.accept_dad=0');
  await inNs('sysctl', '-q', '-w', 'net.ipv6.conf.wire0.disable_ipv6=1');
  await inNs('ip', 'addr', 'add', '10.253.0.1/24', 'dev', 'out0');
  await inNs('ip', 'addr', 'add', 'fd53::1/64', 'dev', 'out0', 'nodad');
  await inNs('ip', 'link', 'set', 'out0', 'up');
  await inNs('ip', 'link', 'set', 'wire0', 'up');
  await inNs('ip', 'route', 'add', 'default', 'via', '10.253.0.2');
  await inNs('ip', '-6', 'route', 'add', 'default', 'via', 'fd53::2');
  // A routed lab: its router's address is in a benchmarking range too.
  await inNs('ip', 'route', 'add', '198.18.254.0/24', 'via', '198.19.253.2', 'dev', 'out0', 'onlink');
  await inNs('ip', '-6', 'route', 'add', '2001:2:0:254::/64', 'via', '2001:2:0:ff53::2', 'dev', 'out0', 'onlink');
});

after(async () => {
  if (!rootSkip) await removeNamespace();
});

/** What leaves out0 (seen on its peer) while `args` runs in the namespace: tcpdump's lines, and the CLI's exit and stderr. */
async function sentWhile(args: string[]): Promise<{ frames: string[]; code: number | null; stderr: string }> {
  const dump = spawn(
    'ip',
    ['netns', 'exec', NS, 'tcpdump', '-l', '-n', '-i', 'wire0', 'arp or (icmp6 and ip6[40] == 135) or net 198.18.0.0/15 or net 2001:2::/48'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines = collect(dump.stdout);
  const dumpErr = collect(dump.stderr);
  try {
    const started = Date.now();
    while (!/listening on/.test(dumpErr()) && Date.now() - started < 10_000) await sleep(50);
    const [cmd, argv] = cliInNetns(NS, args);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr = collect(child.stderr);
    const { code } = await exitOf(child, 60_000);
    // the last ARP retry of the kernel falls within a second after a failed connect
    await sleep(1500);
    return { frames: lines().split('\n').filter(Boolean), code, stderr: stderr() };
  } finally {
    dump.kill('SIGTERM');
    await exitOf(dump, 5000).catch(() => dump.kill('SIGKILL'));
  }
}

for (const [label, args] of [
  ['a connect scan of the IPv4 target', ['scan', LAB_V4, '-sT', '-p', '22', '--max-retries', '0']],
  ['a SYN scan of the IPv4 target', ['scan', LAB_V4, '-sS', '-p', '22', '--max-retries', '0']],
  ['a SYN scan of the IPv6 target', ['scan', LAB_V6, '-sS', '-p', '22', '--max-retries', '0']],
  ['an idle scan through a lab zombie', ['scan', LAB_V4, '-sI', '198.18.253.4', '-p', '22']],
  ['a sweep of the lab subnet', ['discover', '198.18.253.0/29']],
  ['a sweep of the lab IPv6 prefix', ['discover', '2001:2:0:253::/125']],
] as const) {
  test(`${label} where the lab is not wired is refused before a packet leaves`, { skip: rootSkip, timeout: 90_000 }, async () => {
    const { frames, code, stderr } = await sentWhile([...args]);
    assert.equal(code, 2, stderr);
    assert.match(
      stderr,
      /is in (198\.18\.0\.0\/15|2001:2::\/48), the range of PortLab's lab, but this namespace reaches it through (10\.253\.0\.2|fd53::2) \(out0\), off this machine/,
    );
    assert.deepEqual(frames, []);
  });
}

test('a lab behind a router in a benchmarking range is still scanned: its first packets are on the wire', { skip: rootSkip, timeout: 90_000 }, async () => {
  for (const [target, nextHop] of [
    [ROUTED_V4, /ARP, Request who-has 198\.19\.253\.2/],
    [ROUTED_V6, /who has 2001:2:0:ff53::2/],
  ] as const) {
    const { frames, stderr } = await sentWhile(['scan', target, '-sS', '-p', '22', '--max-retries', '0']);
    assert.doesNotMatch(stderr, /off this machine/);
    assert.ok(
      frames.some((f) => nextHop.test(f)),
      `the scan of ${target} asked for its router: ${frames.join(' | ')}`,
    );
  }
});
