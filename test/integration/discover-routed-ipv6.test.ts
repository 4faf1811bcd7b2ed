import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DiscoveredHost } from '../../src/protocol';
import { cliInNetns, exitOf, namespaces, rootSkip, run } from '../support/lab-env';

/**
 * IPv6 discovery beyond the local link, like `nmap -6 -sn`: a routed address is probed with an ICMPv6
 * echo, a SYN to 443 and an ACK to 80, sent to the gateway's MAC (found by neighbour discovery), and any
 * answer makes it up. Three namespaces, made here, on unique local addresses (fd42:242::/32): the
 * scanner on fd42:242:0:1::/64, a router, and a far subnet fd42:242:0:2::/64 whose addresses answer
 * only one probe each (nft), or none. Addresses are added without DAD and nothing sends router
 * advertisements, so nothing but the sweep is on the wire.
 */
const NS = { scanner: 'portlab242-r6scan', router: 'portlab242-r6router', far: 'portlab242-r6far' };
const SCANNER = 'fd42:242:0:1::2';
const ROUTER_NEAR = 'fd42:242:0:1::1';
const FAR_NET = 'fd42:242:0:2::';
const SWEEP = `${FAR_NET}/125`;
/** address → how it answers; the sweep covers ::0-::7 */
const FAR: [string, DiscoveredHost['method'] | undefined][] = [
  [`${FAR_NET}1`, 'icmp-echo'], // the router's far side: a Linux host answers everything
  [`${FAR_NET}2`, 'icmp-echo'],
  [`${FAR_NET}3`, 'tcp-syn-443'], // echo dropped: the kernel's RST to SYN 443 gives it away
  [`${FAR_NET}4`, 'tcp-ack-80'], // echo and 443 dropped: only the RST to the stray ACK is left
  [`${FAR_NET}5`, undefined], // drops everything sent to it
  [`${FAR_NET}6`, undefined], // not there: the router's neighbour solicitation goes unanswered
];
const FAR_RULES = [
  'add table inet portlab_far6',
  'add chain inet portlab_far6 input { type filter hook input priority 0; }',
  `add rule inet portlab_far6 input ip6 daddr { ${FAR_NET}3, ${FAR_NET}4 } icmpv6 type echo-request drop`,
  `add rule inet portlab_far6 input ip6 daddr ${FAR_NET}4 tcp dport 443 drop`,
  // a solicitation for it goes to its solicited-node group, not to it: neighbour discovery still answers
  `add rule inet portlab_far6 input ip6 daddr ${FAR_NET}5 drop`,
].join('; ');

const ip = (...args: string[]) => run('ip', args);
const inNs = (ns: string, ...argv: string[]) => run('ip', ['netns', 'exec', ns, ...argv]);

async function removeNamespaces(): Promise<void> {
  const present = await namespaces();
  for (const ns of Object.values(NS)) if (present.includes(ns)) await ip('netns', 'del', ns);
}

describe('IPv6 host discovery of a routed subnet, like nmap -6 -sn', { skip: rootSkip, timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-routed6-'));
  let found: DiscoveredHost[] = [];
  const pcap = join(dir, 'sweep.pcap');

  before(async () => {
    await removeNamespaces();
    for (const ns of Object.values(NS)) {
      await ip('netns', 'add', ns);
      // no router solicitations, no autoconfiguration: the capture holds the sweep alone
      await inNs(ns, 'sysctl', '-qw', 'net.ipv6.conf.default.router_solicitations=0', 'net.ipv6.conf.default.accept_ra=0', 'net.ipv6.conf.default.autoconf=0');
    }
    await ip('link', 'add', 'pl242s', 'netns', NS.scanner, 'type', 'veth', 'peer', 'name', 'pl242rs', 'netns', NS.router);
    await ip('link', 'add', 'pl242f', 'netns', NS.far, 'type', 'veth', 'peer', 'name', 'pl242rf', 'netns', NS.router);
    await ip('-n', NS.scanner, 'addr', 'add', `${SCANNER}/64`, 'dev', 'pl242s', 'nodad');
    await ip('-n', NS.router, 'addr', 'add', `${ROUTER_NEAR}/64`, 'dev', 'pl242rs', 'nodad');
    await ip('-n', NS.router, 'addr', 'add', `${FAR_NET}1/64`, 'dev', 'pl242rf', 'nodad');
    for (const n of [2, 3, 4, 5]) await ip('-n', NS.far, 'addr', 'add', `${FAR_NET}${n}/64`, 'dev', 'pl242f', 'nodad');
    for (const [ns, dev] of [
      [NS.scanner, 'pl242s'],
      [NS.router, 'pl242rs'],
      [NS.router, 'pl242rf'],
      [NS.far, 'pl242f'],
    ] as const) {
      await ip('-n', ns, 'link', 'set', dev, 'up');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    await inNs(NS.router, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1');
    await ip('-n', NS.scanner, '-6', 'route', 'add', `${FAR_NET}/64`, 'via', ROUTER_NEAR);
    await ip('-n', NS.far, '-6', 'route', 'add', 'default', 'via', `${FAR_NET}1`);
    await inNs(NS.far, 'nft', FAR_RULES);
    // The veths' link-local addresses run DAD for about a second after up; a sweep started before that ends
    // races the router's neighbour discovery on the far link, and finds only the router. A network that is
    // up has no tentative address left.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const tentative = await Promise.all(Object.values(NS).map((ns) => ip('-n', ns, '-6', 'addr', 'show', 'tentative')));
      if (tentative.every(({ stdout }) => stdout.trim() === '')) break;
    }

    const tcpdump = spawn('ip', ['netns', 'exec', NS.scanner, 'tcpdump', '-i', 'pl242s', '-n', '-U', '-w', pcap], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error('tcpdump did not start')), 10_000);
        tcpdump.stderr!.on('data', (d: Buffer) => d.toString().includes('listening on') && (clearTimeout(timer), ok()));
      });
      const [cmd, args] = cliInNetns(NS.scanner, ['discover', SWEEP, '--json']);
      found = JSON.parse((await run(cmd, args, { timeout: 60_000 })).stdout) as DiscoveredHost[];
    } finally {
      tcpdump.kill('SIGINT');
      await exitOf(tcpdump, 10_000);
    }
  });
  after(async () => {
    await removeNamespaces();
    rmSync(dir, { recursive: true, force: true });
  });

  test('each far host is found by the one probe it answers, and the silent ones are not', () => {
    const expected = FAR.filter(([, method]) => method).map(([address, method]) => [address, method]);
    // the all-zero address is the far subnet's routers (RFC 4291): the router may answer for it too
    assert.deepEqual(
      found.filter((h) => h.address !== `${FAR_NET}`).map((h) => [h.address, h.method]),
      expected,
    );
    for (const h of found) assert.equal(h.mac, undefined, 'a routed host has no MAC of its own on our link');
  });

  test('nmap -6 -sn from the same namespace finds the same hosts', async () => {
    const { stdout } = await inNs(NS.scanner, 'nmap', '-6', '-sn', '-n', '-oX', '-', SWEEP);
    const up = [...stdout.matchAll(/<host>.*?<status state="up"[^>]*>.*?<address addr="([\da-f:]+)"/gs)].map((m) => m[1]);
    assert.deepEqual(
      up,
      found.map((h) => h.address),
    );
  });

  test('on the wire: echo, SYN 443 and ACK 80 to each swept address, neighbour discovery only for the router', async () => {
    const { stdout } = await run('tshark', [
      '-r',
      pcap,
      '-T',
      'fields',
      '-e',
      'ipv6.src',
      '-e',
      'ipv6.dst',
      '-e',
      'icmpv6.type',
      '-e',
      'tcp.dstport',
      '-e',
      'tcp.flags.str',
      '-e',
      'icmpv6.nd.ns.target_address',
    ]);
    const sent = new Map<string, Set<string>>();
    for (const line of stdout.trim().split('\n')) {
      const [src, dst, icmpType, dport, flags, solicited] = line.split('\t');
      if (src !== SCANNER || !dst) continue;
      if (icmpType === '135') {
        assert.equal(solicited, ROUTER_NEAR, 'the scanner solicits only its gateway');
        continue;
      }
      if (icmpType === '136') continue;
      assert.ok(dst.startsWith(FAR_NET), `a probe to ${dst} left the swept range`);
      const probe =
        icmpType === '128'
          ? 'echo'
          : dport === '443' && flags?.includes('S')
            ? 'syn443'
            : dport === '80' && flags?.includes('A')
              ? 'ack80'
              : `other ${icmpType} ${dport} ${flags}`;
      sent.set(dst, (sent.get(dst) ?? new Set()).add(probe));
    }
    for (const [address] of FAR) assert.deepEqual([...(sent.get(address) ?? [])].sort(), ['ack80', 'echo', 'syn443'], address);
  });
});
