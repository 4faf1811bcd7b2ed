import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { LAB_TRUTH, labDown, labPorts, labStatus, labTopology, labUp, nftRuleset, readLabDescription } from '../../src/lab';
import { isAlive } from '../../src/lab/processes';
import { LAB_RUN_DIR } from '../../src/lab/state';
import { LabDescription } from '../../src/protocol';

const run = promisify(execFile);
const ID = 11;
const topo = labTopology(ID);
const CLI = resolve(__dirname, '..', '..', 'out', 'cli.js');
const skip = process.getuid?.() === 0 ? false : 'the lab sandbox needs root (network namespaces): run the integration tests as root';

async function labNamespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`portlab${ID}-`));
}

function labFiles(): string[] {
  return existsSync(LAB_RUN_DIR) ? readdirSync(LAB_RUN_DIR).filter((n) => n.startsWith(`lab-${ID}.`) || n.startsWith(`lab-${ID}-`)) : [];
}

async function assertNothingLeft(pids: number[]): Promise<void> {
  assert.deepEqual(await labNamespaces(), []);
  assert.deepEqual(pids.filter(isAlive), [], 'lab processes still alive');
  assert.deepEqual(labFiles(), []);
  const { stdout } = await run('ip', ['-j', 'link', 'show']);
  const hostIfaces = (JSON.parse(stdout) as { ifname: string }[]).map((l) => l.ifname);
  for (const iface of [topo.scanner.iface, topo.target.iface, topo.hostLink.host.iface, topo.hostLink.target.iface])
    assert.ok(!hostIfaces.includes(iface), `${iface} is left in the host namespace`);
  const { stdout: route } = await run('ip', ['-j', 'route', 'show', topo.hostLink.route]);
  assert.deepEqual(JSON.parse(route), [], 'the host route to the target is gone');
}

// Runs inside the scanner namespace: each probe is what a client there sees, by the OS's own sockets.
const PROBE_SCRIPT = String.raw`
const net = require('node:net'), dgram = require('node:dgram');
const [target, probesJson] = process.argv.slice(1);
const tcp = (p) => new Promise((done) => {
  const s = net.connect({ host: target, port: p.port });
  let data = '';
  const finish = (r) => { clearTimeout(timer); s.destroy(); done({ ...p, ...r }); };
  const timer = setTimeout(() => finish(s.readyState === 'open' ? { result: 'connected', data } : { result: 'timeout' }), p.timeoutMs);
  s.on('connect', () => { if (p.send) s.write(p.send); else if (!p.read) finish({ result: 'connected' }); });
  s.on('data', (d) => { data += d.toString('latin1'); if (!p.send || data.includes(p.until)) finish({ result: 'connected', data }); });
  s.on('error', (e) => finish({ result: e.code }));
});
const udp = (p) => new Promise((done) => {
  const s = dgram.createSocket('udp4');
  const finish = (r) => { clearTimeout(timer); s.close(); done({ ...p, ...r }); };
  const timer = setTimeout(() => finish({ result: 'timeout' }), p.timeoutMs);
  s.on('message', (m) => finish({ result: 'answer', data: m.toString('hex') }));
  s.on('error', (e) => finish({ result: e.code }));
  s.connect(p.port, target, () => s.send(Buffer.from(p.payloadHex, 'hex')));
});
Promise.all(JSON.parse(probesJson).map((p) => (p.protocol === 'tcp' ? tcp(p) : udp(p))))
  .then((r) => process.stdout.write(JSON.stringify(r)));
`;

interface Probe {
  protocol: 'tcp' | 'udp';
  port: number;
  timeoutMs: number;
  read?: boolean;
  send?: string;
  until?: string;
  payloadHex?: string;
}
interface ProbeResult extends Probe {
  result: string;
  data?: string;
}

/** `prefix` runs the probes elsewhere: `ip netns exec NS` for a namespace, nothing for the host's. */
async function probeFrom(prefix: string[], probes: Probe[]): Promise<Map<string, ProbeResult>> {
  const [command, ...args] = [...prefix, process.execPath, '-e', PROBE_SCRIPT, topo.target.address, JSON.stringify(probes)];
  const { stdout } = await run(command!, args, { timeout: 15_000 });
  return new Map((JSON.parse(stdout) as ProbeResult[]).map((r) => [`${r.protocol}/${r.port}`, r]));
}

const probeFromScanner = (probes: Probe[]) => probeFrom(['ip', 'netns', 'exec', topo.scanner.namespace], probes);

// A DNS query for lab.portlab, type A, class IN, id 0x1234, recursion desired.
const DNS_QUERY_HEX = '12340100000100000000000003' + Buffer.from('lab').toString('hex') + '07' + Buffer.from('portlab').toString('hex') + '0000010001';

describe('lab sandbox', { skip }, () => {
  let description: LabDescription;
  let pids: number[] = [];

  before(async () => {
    await labDown(ID);
    description = await labUp(ID);
    pids = [...new Set(description.listeners.map((l) => l.pid))];
  });
  after(async () => {
    await labDown(ID);
  });

  test('labUp describes the lab it built: up, truth table, listeners, the exact ruleset', () => {
    assert.equal(LabDescription.safeParse(description).success, true);
    assert.equal(description.up, true, (description.problems ?? []).join('; '));
    assert.equal(description.subnet, '198.18.11.0/24');
    assert.deepEqual(description.ports, labPorts('198.18.11.2'));
    assert.deepEqual(
      description.ports.map(({ port, protocol, truth }) => ({ port, protocol, truth })),
      LAB_TRUTH,
    );
    assert.equal(description.ruleset, nftRuleset(LAB_TRUTH));
    const rulesetLines = description.ruleset.split('\n').map((l) => l.trim());
    for (const port of description.ports.filter((p) => p.truth.startsWith('filtered')))
      assert.ok(port.rule && rulesetLines.includes(port.rule), `${port.protocol}/${port.port}: ${port.rule}`);
    assert.deepEqual(description.listeners.map((l) => `${l.protocol}/${l.port} ${l.program}`).sort(), [
      'tcp/22 portlab lab listen',
      'tcp/53 dnsmasq',
      'tcp/80 portlab lab listen',
      'udp/53 dnsmasq',
      'udp/7 portlab lab listen',
    ]);
    assert.equal(description.sysctls['net.ipv4.icmp_ratelimit'], '1000');
  });

  test('portlab lab status --json prints the same description', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'lab', 'status', '--id', String(ID), '--json']);
    assert.deepEqual(LabDescription.parse(JSON.parse(stdout)), description);
  });

  test('labUp saves the description where any user can read it, host link included', () => {
    assert.deepEqual(readLabDescription(ID), description);
    assert.ok(description.hostLink, 'the saved description has the host link');
    assert.equal(statSync(`${LAB_RUN_DIR}/lab-${ID}.description.json`).mode & 0o777, 0o644);
    assert.equal(statSync(LAB_RUN_DIR).mode & 0o777, 0o755);
  });

  test('namespaces, veth, addresses and MACs exist as described', async () => {
    assert.deepEqual((await labNamespaces()).sort(), [topo.scanner.namespace, topo.target.namespace]);
    for (const end of [topo.scanner, topo.target]) {
      const { stdout } = await run('ip', ['-n', end.namespace, '-j', 'addr', 'show', 'dev', end.iface]);
      const [link] = JSON.parse(stdout) as {
        address: string;
        operstate: string;
        link_type: string;
        addr_info: { family: string; local: string; prefixlen: number }[];
      }[];
      assert.equal(link?.address, end.mac);
      assert.equal(link?.operstate, 'UP');
      assert.ok(link?.addr_info.some((a) => a.family === 'inet' && a.local === end.address && a.prefixlen === 24));
      const { stdout: details } = await run('ip', ['-n', end.namespace, '-d', '-j', 'link', 'show', 'dev', end.iface]);
      assert.equal((JSON.parse(details) as { linkinfo: { info_kind: string } }[])[0]?.linkinfo.info_kind, 'veth');
    }
    // The host link: one end in the host namespace, its peer in the target's, each with its /30 address, and the host's route.
    const { host, target, prefixLength, route } = topo.hostLink;
    for (const [ns, end] of [
      [[], host],
      [['-n', target.namespace], target],
    ] as const) {
      const { stdout } = await run('ip', [...ns, '-j', 'addr', 'show', 'dev', end.iface]);
      const [link] = JSON.parse(stdout) as { address: string; operstate: string; addr_info: { family: string; local: string; prefixlen: number }[] }[];
      assert.equal(link?.address, end.mac);
      assert.equal(link?.operstate, 'UP');
      assert.ok(link?.addr_info.some((a) => a.family === 'inet' && a.local === end.address && a.prefixlen === prefixLength));
    }
    const { stdout: routes } = await run('ip', ['-j', 'route', 'show', route]);
    assert.deepEqual(
      (JSON.parse(routes) as { dev: string; prefsrc: string }[]).map((r) => [r.dev, r.prefsrc]),
      [[host.iface, host.address]],
    );
  });

  test('from the host namespace, over the host link, the ports answer as from the scanner', async () => {
    const answers = await probeFrom(
      [],
      [
        { protocol: 'tcp', port: 22, timeoutMs: 2000, read: true },
        { protocol: 'tcp', port: 23, timeoutMs: 2000 },
        { protocol: 'tcp', port: 25, timeoutMs: 600 },
        { protocol: 'tcp', port: 110, timeoutMs: 2000 },
        { protocol: 'udp', port: 69, timeoutMs: 2000, payloadHex: '' },
      ],
    );
    assert.match(answers.get('tcp/22')?.data ?? '', /^SSH-2\.0-\S+\r\n$/);
    assert.equal(answers.get('tcp/23')?.result, 'ECONNREFUSED');
    assert.equal(answers.get('tcp/25')?.result, 'timeout');
    assert.equal(answers.get('tcp/110')?.result, 'EHOSTUNREACH');
    assert.equal(answers.get('udp/69')?.result, 'ECONNREFUSED');
  });

  test('from the scanner namespace each port answers as its truth says', async () => {
    const answers = await probeFromScanner([
      { protocol: 'tcp', port: 22, timeoutMs: 2000, read: true },
      { protocol: 'tcp', port: 80, timeoutMs: 2000, send: 'GET / HTTP/1.0\r\n\r\n', until: '\r\n\r\n' },
      { protocol: 'tcp', port: 53, timeoutMs: 2000 },
      { protocol: 'tcp', port: 23, timeoutMs: 2000 },
      { protocol: 'tcp', port: 25, timeoutMs: 600 },
      { protocol: 'tcp', port: 110, timeoutMs: 2000 },
      { protocol: 'udp', port: 53, timeoutMs: 2000, payloadHex: DNS_QUERY_HEX },
      { protocol: 'udp', port: 7, timeoutMs: 2000, payloadHex: Buffer.from('portlab echo').toString('hex') },
      { protocol: 'udp', port: 69, timeoutMs: 2000, payloadHex: '' },
      { protocol: 'udp', port: 123, timeoutMs: 600, payloadHex: '' },
      { protocol: 'udp', port: 514, timeoutMs: 2000, payloadHex: '' },
    ]);
    const ssh = answers.get('tcp/22');
    assert.equal(ssh?.result, 'connected');
    assert.match(ssh?.data ?? '', /^SSH-2\.0-\S+\r\n$/);
    const http = answers.get('tcp/80');
    assert.equal(http?.result, 'connected');
    assert.match(http?.data ?? '', /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(answers.get('tcp/53')?.result, 'connected');
    assert.equal(answers.get('tcp/23')?.result, 'ECONNREFUSED');
    assert.equal(answers.get('tcp/25')?.result, 'timeout');
    assert.equal(answers.get('tcp/110')?.result, 'EHOSTUNREACH');

    const dns = answers.get('udp/53');
    assert.equal(dns?.result, 'answer');
    const reply = Buffer.from(dns?.data ?? '', 'hex');
    assert.equal(reply.readUInt16BE(0), 0x1234, 'DNS id');
    assert.equal(reply.readUInt16BE(2) & 0x800f, 0x8000, 'a response with RCODE 0');
    assert.equal(reply.readUInt16BE(6), 1, 'one answer');
    assert.deepEqual([...reply.subarray(reply.length - 4)], [198, 18, ID, 2], 'lab.portlab → 198.18.11.2');

    assert.equal(Buffer.from(answers.get('udp/7')?.data ?? '', 'hex').toString(), 'portlab echo');
    assert.equal(answers.get('udp/69')?.result, 'ECONNREFUSED');
    assert.equal(answers.get('udp/123')?.result, 'timeout');
    assert.equal(answers.get('udp/514')?.result, 'EHOSTUNREACH');
  });

  test('labUp on a lab that is up rebuilds it with new processes', async () => {
    const again = await labUp(ID);
    assert.equal(again.up, true);
    assert.deepEqual(pids.filter(isAlive), [], 'the first build’s processes are gone');
    assert.deepEqual({ ...again, listeners: [] }, { ...description, listeners: [] });
    description = again;
    pids = [...new Set(again.listeners.map((l) => l.pid))];
  });

  test('labDown removes everything, and a second labDown finds nothing', async () => {
    assert.deepEqual(await labDown(ID), { removed: true });
    await assertNothingLeft(pids);
    assert.deepEqual(await labDown(ID), { removed: false });
    const status = await labStatus(ID);
    assert.equal(status.up, false);
    assert.deepEqual(status.listeners, []);
    assert.equal(status.problems, undefined);
  });
});

describe('lab sandbox after a crash', { skip }, () => {
  after(async () => {
    await labDown(ID);
  });

  test('a killed listener and a lost state file: status says what is wrong, labDown still removes everything', async () => {
    const up = await labUp(ID);
    const pids = [...new Set(up.listeners.map((l) => l.pid))];
    const listener = up.listeners.find((l) => l.program === 'portlab lab listen');
    assert.ok(listener);
    process.kill(listener.pid, 'SIGKILL');
    rmSync(`${LAB_RUN_DIR}/lab-${ID}.json`);

    const status = await labStatus(ID);
    assert.equal(status.up, false);
    assert.ok(
      status.problems?.some((p) => p.includes('state file')),
      (status.problems ?? []).join('; '),
    );

    assert.deepEqual(await labDown(ID), { removed: true });
    await assertNothingLeft(pids);
  });

  test('a host link without its address, a target answering ARP for it: status names both, labDown still removes everything', async () => {
    const up = await labUp(ID);
    assert.equal(up.up, true, (up.problems ?? []).join('; '));
    const { host, target, prefixLength } = topo.hostLink;
    await run('ip', ['addr', 'del', `${host.address}/${prefixLength}`, 'dev', host.iface]);
    await run('ip', ['netns', 'exec', target.namespace, 'sysctl', '-q', '-w', 'net.ipv4.conf.all.arp_ignore=0']);

    const status = await labStatus(ID);
    assert.equal(status.up, false);
    const problems = status.problems ?? [];
    assert.ok(
      problems.some((p) => p.includes(host.iface) && p.includes(`${host.address}/${prefixLength}`)),
      problems.join('; '),
    );
    assert.ok(
      problems.some((p) => p.includes('arp_ignore')),
      problems.join('; '),
    );

    assert.deepEqual(await labDown(ID), { removed: true });
    await assertNothingLeft([...new Set(up.listeners.map((l) => l.pid))]);
  });
});

describe('lab CLI errors', { skip }, () => {
  function cli(args: string[], uid?: number): Promise<{ code: number | null; stderr: string }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], ...(uid === undefined ? {} : { uid, gid: uid }) });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', fail);
      child.on('close', (code) => done({ code, stderr }));
    });
  }

  test('not root: one line saying to use sudo, exit 2, nothing built', async () => {
    const { code, stderr } = await cli(['lab', 'up', '--id', String(ID)], 65534);
    assert.equal(code, 2);
    assert.equal(stderr, 'portlab: the lab sandbox needs root (network namespaces): run with sudo\n');
    assert.deepEqual(await labNamespaces(), []);
  });

  test('a lab id out of range: one line, exit 2', async () => {
    const { code, stderr } = await cli(['lab', 'down', '--id', '256']);
    assert.equal(code, 2);
    assert.equal(stderr, 'portlab: lab id must be an integer from 0 to 255, not 256\n');
  });
});
