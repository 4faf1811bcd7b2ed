// IPv6 where a user meets it (issue 15 item 4): connect scans and host discovery of lab 241's IPv6 /64 against
// the lab's truth and nmap -6 run on the same ports and addresses, the CLI's -6 (AAAA resolution, families not
// mixed), a connect scan of ::1, and the editor's choice of where an IPv6 lab target is scanned from.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { labDown, labStatus, labTopology, labUp, LAB_TRUTH } from '../../src/lab';
import { startHelper } from '../../src/helper/client';
import { formatExchange, ScanDocument, type DiscoveredHost, type PortResult } from '../../src/protocol';
import { expectedLabVerdict } from '../../src/technique/lab-answer';
import { parseNmapXml } from '../../src/report/nmap';
import { labOfTarget, routeOfScan } from '../../src/extension/lab-targets';
import { buildCli, CLI, exchangeMismatch, tsharkFrames } from './scan-support';
import { run, rootSkip } from '../support/lab-env';

const ID = 241;
const topo = labTopology(ID);
const NETNS = topo.scanner.namespace;
const TARGET = topo.target.address6;
const LIMIT_MS = 120_000;

/** `portlab …` in the lab's scanner namespace; resolves with stdout, rejects with the exit code and stderr. */
const portlab = (args: string[]) => run('ip', ['netns', 'exec', NETNS, process.execPath, CLI, ...args], { timeout: LIMIT_MS, maxBuffer: 64 << 20 });
const nmap = (args: string[]) => run('ip', ['netns', 'exec', NETNS, 'nmap', ...args, '-oX', '-'], { timeout: LIMIT_MS, maxBuffer: 64 << 20 });

/** What a refused command says: its exit code and the first line on stderr. */
async function refusal(command: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await command;
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, message: e.stderr.trim().split('\n')[0]! };
  }
  throw new Error('the command was not refused');
}

describe('IPv6 in the lab', { skip: rootSkip, timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-ipv6-'));
  before(async () => {
    await buildCli();
    await labUp(ID);
  });
  after(async () => {
    await labDown(ID);
    rmSync(dir, { recursive: true, force: true });
  });

  test("connect scan of the target's IPv6 address: the lab's truth on every TCP port, nmap -6 -sT's states, ICMPv6 in the pcap", async () => {
    const truth = LAB_TRUTH.filter((p) => p.protocol === 'tcp');
    const ports = truth.map((p) => p.port);
    const out = join(dir, 'connect');
    const { stdout } = await portlab(['scan', TARGET, '-sT', '-p', ports.join(','), '--json', '--out', out]);
    const doc = ScanDocument.parse(JSON.parse(stdout));
    const byPort = new Map<number, PortResult>(doc.results.map((r) => [r.port, r]));
    assert.equal(doc.scanner?.address, topo.scanner.address6);
    assert.equal(doc.scanner?.prefixLength, 64);
    const nmapRun = parseNmapXml((await nmap(['-6', '-sT', '-Pn', '-n', '--reason', '-p', ports.join(','), TARGET])).stdout)!;
    const frames = await tsharkFrames(join(out, 'connect.pcap'));
    for (const { port, truth: t } of truth) {
      const r = byPort.get(port)!;
      const expected = expectedLabVerdict('connect', t, 6);
      assert.deepEqual([r.target, r.state, r.reason], [TARGET, expected.state, expected.reason], `${port} (${t}): ${formatExchange(r.exchange)}`);
      assert.ok(r.exchange.length > 0 && r.exchange.every((p) => p.ipVersion === 6), `${port}: an IPv6 exchange`);
      assert.equal(exchangeMismatch(r, frames), undefined, `${port}: ${formatExchange(r.exchange)}`);
      const theirs = nmapRun.ports.get(`${TARGET}:${port}`);
      assert.equal(theirs?.state, r.state, `${port}: portlab vs nmap -6 -sT`);
      // nmap's connect() gives up before Linux fails the socket (EACCES comes with the SYN's retransmission
      // a second later), so for a rejected port nmap says no-response or, when it waited, admin-prohibited.
      if (t === 'filtered-reject') assert.ok(['no-response', 'admin-prohibited'].includes(theirs!.reason), theirs!.reason);
      else assert.equal(theirs?.reason, r.reason, `${port}: reason, portlab vs nmap -6 -sT`);
    }
    const reject = truth.find((p) => p.truth === 'filtered-reject')!.port;
    assert.equal(formatExchange(byPort.get(reject)!.exchange), 'S → ICMPv6 1/1');
  });

  test("discover of a /120 of the lab's IPv6 /64: the lab's hosts by neighbour discovery, as nmap -6 -sn finds them", async () => {
    const prefix = `2001:2:0:${ID}::/120`;
    const pcap = join(dir, 'discover6.pcap');
    const tcpdump = spawn('ip', ['netns', 'exec', NETNS, 'tcpdump', '-i', topo.scanner.iface, '-n', '-U', '-w', pcap, 'ip6'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let hosts: DiscoveredHost[];
    try {
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error('tcpdump did not start')), 10_000);
        tcpdump.stderr.on('data', (d: Buffer) => d.toString().includes('listening on') && (clearTimeout(timer), ok()));
      });
      hosts = JSON.parse((await portlab(['discover', prefix, '--json'])).stdout) as DiscoveredHost[];
    } finally {
      tcpdump.kill('SIGINT');
      await new Promise((r) => tcpdump.once('exit', r));
    }
    // what the sweep sent: a solicitation for each address but the scanner's own, to its solicited-node group
    const { stdout: sent } = await run('tshark', [
      '-r',
      pcap,
      '-Y',
      `ipv6.src == ${topo.scanner.address6}`,
      '-T',
      'fields',
      '-e',
      'ipv6.dst',
      '-e',
      'icmpv6.type',
      '-e',
      'icmpv6.nd.ns.target_address',
    ]);
    const solicitations = sent
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
      .filter(([, type]) => type === '135');
    assert.equal(new Set(solicitations.map(([, , asked]) => asked)).size, 255);
    for (const [dst, , asked] of solicitations) {
      assert.ok(asked!.startsWith(`2001:2:0:${ID}::`), `asked for ${asked}`);
      assert.ok(dst!.startsWith('ff02::1:ff'), `a solicitation to ${dst}`);
    }
    const lab = await labStatus(ID);
    const others = lab.hosts.filter((h) => h.role !== 'scanner');
    assert.deepEqual(
      hosts.map((h) => [h.address, h.method, h.mac]),
      [[topo.scanner.address6, 'localhost', undefined], ...others.map((h) => [h.address6, 'nd', h.mac])],
    );
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['host', 'address'].includes(n) }).parse(
      (await nmap(['-6', '-sn', '-n', '--reason', prefix])).stdout,
    ) as { nmaprun: { host?: { status: { reason: string }; address: { addr: string; addrtype: string }[] }[] } };
    const nmapHosts = (xml.nmaprun.host ?? []).map((h) => ({
      address: h.address.find((a) => a.addrtype === 'ipv6')!.addr,
      mac: h.address.find((a) => a.addrtype === 'mac')?.addr.toLowerCase(),
      reason: h.status.reason,
    }));
    // nmap 7.93 lists the scanner's own address in some sweeps of a prefix and not in others (alone, always: localhost-response)
    const seen = (list: { address: string; mac?: string | undefined }[]) =>
      list.filter((h) => h.address !== topo.scanner.address6).map((h) => `${h.address} ${h.mac}`);
    assert.deepEqual(seen(hosts), seen(nmapHosts));
    assert.ok(nmapHosts.every((h) => h.address === topo.scanner.address6 || h.reason === 'nd-response'));
  });

  test('discover refuses a whole /64, an IPv4 range with -6 and IPv6 outside the lab ranges', async () => {
    assert.deepEqual(await refusal(portlab(['discover', `2001:2:0:${ID}::/64`])), {
      code: 2,
      message: `portlab: 2001:2:0:${ID}::/64 has 2^64 addresses; an IPv6 discovery sweeps at most a /112 (65536 addresses): name a part of it, such as 2001:2:0:${ID}::/120`,
    });
    assert.match((await refusal(portlab(['discover', '-6', `198.18.${ID}.0/24`]))).message, /is IPv4; -6 discovers IPv6 hosts only/);
    assert.match(
      (await refusal(portlab(['discover', '2001:db8::/120']))).message,
      /2001:db8:: is outside the lab ranges \(::1\/128, fc00::\/7, fe80::\/10, 2001:2::\/48\)/,
    );
  });

  test('the helper discovers over IPv6 as the CLI does', async () => {
    const client = await startHelper({ cliPath: CLI, captureDir: dir, netns: NETNS });
    try {
      await client.hello();
      const hosts = await client.discover({ targets: `2001:2:0:${ID}::/125` });
      assert.deepEqual(
        hosts.map((h) => [h.address, h.method]),
        [
          [topo.scanner.address6, 'localhost'],
          [topo.target.address6, 'nd'],
          [topo.stateless.address6, 'nd'],
          [topo.zombie.address6, 'nd'],
        ],
      );
      await assert.rejects(client.discover({ targets: '2a00::/120' }), /2a00:: is outside the lab ranges/);
    } finally {
      await client.close();
    }
  });

  test('-6 resolves a name to its AAAA record; without -6 it asks for A; families are never mixed in one scan', async () => {
    // A hosts file of the test's own, seen by the CLI only: bind-mounted in a private mount namespace.
    const hosts = join(dir, 'hosts');
    writeFileSync(hosts, `127.0.0.1 localhost\n${TARGET} target6.portlab.test\n`);
    const withHosts = (args: string[]) =>
      run('ip', ['netns', 'exec', NETNS, 'unshare', '-m', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hosts, process.execPath, CLI, ...args], {
        timeout: LIMIT_MS,
      });
    const doc = ScanDocument.parse(JSON.parse((await withHosts(['scan', '-6', 'target6.portlab.test', '-sT', '-p', '22', '--json'])).stdout));
    assert.deepEqual(
      doc.results.map((r) => [r.target, r.port, r.state]),
      [[TARGET, 22, 'open']],
    );
    assert.deepEqual(await refusal(withHosts(['scan', 'target6.portlab.test', '-sT', '-p', '22'])), {
      code: 2,
      message: 'portlab: cannot resolve target "target6.portlab.test" to an IPv4 address',
    });
    assert.deepEqual(await refusal(portlab(['scan', topo.target.address, TARGET, '-sT', '-p', '22'])), {
      code: 2,
      message: `portlab: targets ${topo.target.address} (IPv4) and ${TARGET} (IPv6) are of two address families; scan each family in its own run, IPv6 with -6`,
    });
    assert.deepEqual(await refusal(portlab(['scan', '-6', topo.target.address, '-sT', '-p', '22'])), {
      code: 2,
      message: `portlab: target ${topo.target.address} is an IPv4 address; -6 scans IPv6 targets only (drop -6 to scan it)`,
    });
  });

  test("the editor scans the lab's IPv6 target from the scanner namespace: the host link carries IPv4 only", () => {
    assert.deepEqual(labOfTarget(TARGET), { id: ID, scannerNetns: NETNS, hostLink: false });
    assert.deepEqual(routeOfScan(TARGET, false).route, { kind: 'helper', raw: false, netns: NETNS });
    assert.deepEqual(labOfTarget(topo.stateless.address6), { id: ID, scannerNetns: NETNS, hostLink: false }, 'the stateless host is scanned too');
    assert.equal(labOfTarget(topo.zombie.address6), undefined, 'the zombie only lends its IP IDs');
  });
});

describe('IPv6 loopback', { skip: rootSkip, timeout: 60_000 }, () => {
  let server: Server;
  let open: number;
  before(async () => {
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    open = (server.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a connect scan of ::1 sees the listener open and a free port closed, as nmap -6 -sT does, with the exchange captured on lo', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '::1', resolve));
    const closed = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const ports = [open, closed].join(',');
    const { stdout } = await run(process.execPath, [CLI, 'scan', '::1', '-sT', '-p', ports, '--json'], { timeout: LIMIT_MS });
    const results = ScanDocument.parse(JSON.parse(stdout)).results;
    assert.deepEqual(
      results.map((r) => [r.port, r.state, r.reason, formatExchange(r.exchange)]),
      [
        [open, 'open', 'syn-ack', formatExchange(results[0]!.exchange)],
        [closed, 'closed', 'conn-refused', 'S → RA'],
      ],
    );
    assert.match(formatExchange(results[0]!.exchange), /^S → SA → A\b/);
    const nmapRun = parseNmapXml((await run('nmap', ['-6', '-sT', '-Pn', '-n', '--reason', '-p', ports, '::1', '-oX', '-'], { timeout: LIMIT_MS })).stdout)!;
    for (const r of results) assert.deepEqual(nmapRun.ports.get(`::1:${r.port}`), { state: r.state, reason: r.reason }, `port ${r.port}`);
  });
});
