import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DiscoveredHost } from '../../src/protocol';
import { cliInNetns, exitOf, namespaces, rootSkip, run } from '../support/lab-env';

/**
 * Discovery beyond the local link (issue 3, item 4): like `nmap -sn`, a routed target is probed with an
 * ICMP echo, a SYN to 443 and an ACK to 80, and any answer makes it up. Three namespaces, made here:
 * the scanner on 198.18.72.0/24, a router, and a far subnet 198.19.72.0/24 whose addresses answer only
 * one probe each (nft), or none.
 */
const NS = { scanner: 'portlab72-rscan', router: 'portlab72-router', far: 'portlab72-far' };
const ROUTER_NEAR = '198.18.72.254';
const SWEEP = '198.19.72.0/29';
/** address → how it answers; the sweep covers .1-.6 */
const FAR: [string, DiscoveredHost['method'] | undefined][] = [
  ['198.19.72.1', 'icmp-echo'], // the router's far side: a Linux host answers everything
  ['198.19.72.2', 'icmp-echo'],
  ['198.19.72.3', 'tcp-syn-443'], // ICMP dropped: the kernel's RST to SYN 443 gives it away
  ['198.19.72.4', 'tcp-ack-80'], // ICMP and 443 dropped: only the RST to the stray ACK is left
  ['198.19.72.5', undefined], // drops everything
  ['198.19.72.6', undefined], // not there: the router's ARP fails
];
const FAR_RULES = [
  'add table inet portlab_far',
  'add chain inet portlab_far input { type filter hook input priority 0; }',
  'add rule inet portlab_far input ip daddr { 198.19.72.3, 198.19.72.4 } meta l4proto icmp drop',
  'add rule inet portlab_far input ip daddr 198.19.72.4 tcp dport 443 drop',
  'add rule inet portlab_far input ip daddr 198.19.72.5 drop',
].join('; ');

const ip = (...args: string[]) => run('ip', args);
const inNs = (ns: string, ...argv: string[]) => run('ip', ['netns', 'exec', ns, ...argv]);

async function removeNamespaces(): Promise<void> {
  const present = await namespaces();
  for (const ns of Object.values(NS)) if (present.includes(ns)) await ip('netns', 'del', ns);
}

describe('host discovery of a routed subnet, like nmap -sn', { skip: rootSkip, timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-routed-'));
  let found: DiscoveredHost[] = [];
  const pcap = join(dir, 'sweep.pcap');

  before(async () => {
    await removeNamespaces();
    for (const ns of Object.values(NS)) await ip('netns', 'add', ns);
    await ip('link', 'add', 'pl72s', 'netns', NS.scanner, 'type', 'veth', 'peer', 'name', 'pl72rs', 'netns', NS.router);
    await ip('link', 'add', 'pl72f', 'netns', NS.far, 'type', 'veth', 'peer', 'name', 'pl72rf', 'netns', NS.router);
    await ip('-n', NS.scanner, 'addr', 'add', '198.18.72.1/24', 'dev', 'pl72s');
    await ip('-n', NS.router, 'addr', 'add', `${ROUTER_NEAR}/24`, 'dev', 'pl72rs');
    await ip('-n', NS.router, 'addr', 'add', '198.19.72.1/24', 'dev', 'pl72rf');
    for (const a of ['198.19.72.2', '198.19.72.3', '198.19.72.4', '198.19.72.5']) await ip('-n', NS.far, 'addr', 'add', `${a}/24`, 'dev', 'pl72f');
    for (const [ns, dev] of [
      [NS.scanner, 'pl72s'],
      [NS.router, 'pl72rs'],
      [NS.router, 'pl72rf'],
      [NS.far, 'pl72f'],
    ] as const) {
      await ip('-n', ns, 'link', 'set', dev, 'up');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    await inNs(NS.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    await ip('-n', NS.scanner, 'route', 'add', '198.19.72.0/24', 'via', ROUTER_NEAR);
    await ip('-n', NS.far, 'route', 'add', 'default', 'via', '198.19.72.1');
    await inNs(NS.far, 'nft', FAR_RULES);

    // tcpdump in the scanner namespace sees everything the sweep puts on the wire
    const tcpdump = spawn('ip', ['netns', 'exec', NS.scanner, 'tcpdump', '-i', 'pl72s', '-n', '-U', '-w', pcap], { stdio: ['ignore', 'ignore', 'pipe'] });
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
    assert.deepEqual(
      found.map((h) => [h.address, h.method]),
      FAR.filter(([, method]) => method).map(([address, method]) => [address, method]),
    );
    for (const h of found) {
      assert.equal(h.mac, undefined, 'a routed host has no MAC of its own on our link');
      assert.ok(h.rttMs >= 0 && h.rttMs < 5000, `${h.address}: ${h.rttMs} ms`);
    }
  });

  test('nmap -sn from the same namespace finds the same hosts', async () => {
    const { stdout } = await inNs(NS.scanner, 'nmap', '-sn', '-n', '-oX', '-', SWEEP);
    const up = [...stdout.matchAll(/<host>.*?<status state="up"[^>]*>.*?<address addr="([\d.]+)"/gs)].map((m) => m[1]);
    assert.deepEqual(
      up,
      found.map((h) => h.address),
    );
  });

  test('on the wire: echo, SYN 443 and ACK 80 to each swept address, ARP only for the router, nothing else', async () => {
    const { stdout } = await run('tshark', [
      '-r',
      pcap,
      '-T',
      'fields',
      '-e',
      'ip.src',
      '-e',
      'ip.dst',
      '-e',
      'icmp.type',
      '-e',
      'tcp.dstport',
      '-e',
      'tcp.flags.str',
      '-e',
      'arp.dst.proto_ipv4',
      '-e',
      'arp.opcode',
    ]);
    const sent = new Map<string, Set<string>>();
    for (const line of stdout.trim().split('\n')) {
      const [src, dst, icmpType, dport, flags, arpDst, arpOp] = line.split('\t');
      if (arpOp === '1' && arpDst) {
        assert.equal(arpDst, ROUTER_NEAR, 'the scanner asks ARP only for its gateway');
        continue;
      }
      if (src !== '198.18.72.1' || !dst) continue;
      assert.match(dst, /^198\.19\.72\.[1-6]$/, `a probe to ${dst} left the swept range`);
      const probe =
        icmpType === '8'
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
