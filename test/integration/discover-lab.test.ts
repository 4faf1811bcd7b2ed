import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { startHelper } from '../../src/helper/client';
import { labDown, labStatus, labTopology, labUp } from '../../src/lab';
import type { DiscoveredHost } from '../../src/protocol';

const run = promisify(execFile);
const ID = 31;
const topo = labTopology(ID);
const NETNS = topo.scanner.namespace;
const CLI = resolve(__dirname, '..', '..', 'out', 'cli.js');
const skip = process.getuid?.() === 0 ? false : 'needs root (network namespaces)';

describe('host discovery in the lab sandbox', { skip, timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-discover-'));
  before(async () => {
    await labUp(ID);
  });
  after(async () => {
    await labDown(ID);
    rmSync(dir, { recursive: true, force: true });
  });

  test('portlab discover finds exactly the lab hosts, and every packet it sends stays in the lab subnet', async () => {
    const pcap = join(dir, 'discover.pcap');
    // tcpdump in the scanner namespace sees everything the sweep puts on the wire
    const tcpdump = spawn('ip', ['netns', 'exec', NETNS, 'tcpdump', '-i', 'any', '-n', '-U', '-w', pcap], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error('tcpdump did not start')), 10_000);
        tcpdump.stderr.on('data', (d: Buffer) => d.toString().includes('listening on') && (clearTimeout(timer), ok()));
      });
      const { stdout } = await run('ip', ['netns', 'exec', NETNS, process.execPath, CLI, 'discover', `198.18.${ID}.0/24`, '--json']);
      const hosts = JSON.parse(stdout) as DiscoveredHost[];
      const lab = await labStatus(ID);
      const host = (role: string) => lab.hosts.find((h) => h.role === role)!;
      // The host link's end in the target (198.18.N.130) lies inside the /24 but is not on the scanner's segment.
      assert.ok(
        !hosts.some((h) => h.address === topo.hostLink.target.address),
        `${topo.hostLink.target.address} (the host link) was discovered: the target answers ARP for it on the scanner's segment`,
      );
      // Every host on the lab's switch; the zombie twice, its two addresses on one interface.
      assert.deepEqual(
        hosts.map((h) => [h.address, h.method, h.mac]),
        [
          [topo.scanner.address, 'localhost', undefined],
          [host('target').address, 'arp', host('target').mac],
          [host('stateless').address, 'arp', host('stateless').mac],
          [host('zombie').address, 'arp', host('zombie').mac],
          [host('zombie').randomIpIdAddress, 'arp', host('zombie').mac],
        ],
      );
      assert.ok(hosts[1]!.rttMs >= 0 && hosts[1]!.rttMs < 1000);
    } finally {
      tcpdump.kill('SIGINT');
      await new Promise((r) => tcpdump.once('exit', r));
    }
    const { stdout: fields } = await run('tshark', ['-r', pcap, '-T', 'fields', '-e', 'arp.dst.proto_ipv4', '-e', 'ip.dst', '-e', 'arp.opcode']);
    const requests = fields
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    const asked = requests.filter(([arpDst, , op]) => arpDst && op === '1').map(([arpDst]) => arpDst!);
    // every host address of the /24 but the scanner's own (that one is up as localhost, nmap says the same)
    assert.equal(new Set(asked).size, 253);
    assert.ok(!asked.includes(topo.scanner.address));
    for (const [arpDst, ipDst] of requests) {
      const dst = arpDst || ipDst;
      if (dst) assert.ok(dst.startsWith(`198.18.${ID}.`), `packet to ${dst} left the lab subnet`);
    }
  });

  test('the discover request through the helper gives the same hosts; out-of-scope ranges and sizes are refused', async () => {
    const client = await startHelper({ cliPath: CLI, captureDir: dir, netns: NETNS });
    try {
      await client.hello();
      const hosts = await client.discover({ targets: `198.18.${ID}.1-10` });
      assert.deepEqual(
        hosts.map((h) => [h.address, h.method]),
        [
          [topo.scanner.address, 'localhost'],
          [topo.target.address, 'arp'],
          [topo.stateless.address, 'arp'],
          [topo.zombie.address, 'arp'],
          [topo.zombie.randomIpIdAddress, 'arp'],
        ],
      );
      await assert.rejects(client.discover({ targets: '8.8.8.0/24' }), /8\.8\.8\.1 is outside the lab ranges/);
      await assert.rejects(client.discover({ targets: '198.18.0.0/15' }), /discovery sweeps at most a \/16/);
      await assert.rejects(client.discover({ targets: '198.18.31.9-3' }), /runs backwards/);
    } finally {
      await client.close();
    }
    await assert.rejects(run('ip', ['netns', 'exec', NETNS, process.execPath, CLI, 'discover', '8.8.8.8']), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /^portlab: target 8\.8\.8\.8 is outside the lab ranges/);
      return true;
    });
  });
});
