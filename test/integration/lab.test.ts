import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { LAB_TRUTH, labDown, labEnds, labPorts, labStatus, labTopology, labUp, nftRuleset, readLabDescription, statelessPorts } from '../../src/lab';
import { labRulesets } from '../../src/lab/index';
import { isAlive } from '../../src/lab/processes';
import { LAB_RUN_DIR } from '../../src/lab/state';
import { switchPort } from '../../src/lab/topology';
import { LabDescription } from '../../src/protocol';

const run = promisify(execFile);
const ID = 211;
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
  for (const iface of [...labEnds(topo).map((e) => e.iface), topo.hostLink.host.iface, topo.hostLink.target.iface])
    assert.ok(!hostIfaces.includes(iface), `${iface} is left in the host namespace`);
  const { stdout: route } = await run('ip', ['-j', 'route', 'show', topo.hostLink.route]);
  assert.deepEqual(JSON.parse(route), [], 'the host route to the target is gone');
}

// Runs inside the scanner namespace: each probe is what a client there sees, by the OS's own sockets.
const PROBE_SCRIPT = String.raw`
const net = require('node:net'), dgram = require('node:dgram');
const udpFamily = (target) => (net.isIPv6(target) ? 'udp6' : 'udp4');
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
  const s = dgram.createSocket(udpFamily(target));
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
async function probeFrom(prefix: string[], probes: Probe[], target = topo.target.address): Promise<Map<string, ProbeResult>> {
  const [command, ...args] = [...prefix, process.execPath, '-e', PROBE_SCRIPT, target, JSON.stringify(probes)];
  const { stdout } = await run(command!, args, { timeout: 15_000 });
  return new Map((JSON.parse(stdout) as ProbeResult[]).map((r) => [`${r.protocol}/${r.port}`, r]));
}

const probeFromScanner = (probes: Probe[], target?: string) => probeFrom(['ip', 'netns', 'exec', topo.scanner.namespace], probes, target);

interface IpLink {
  ifname: string;
  address: string;
  operstate: string;
  master?: string;
  link_netnsid?: number;
  linkinfo?: { info_kind: string; info_data?: { stp_state?: number; forward_delay?: number; mcast_snooping?: number } };
  addr_info: { family: string; local: string; prefixlen: number; scope: string }[];
  stats64?: { rx: { packets: number }; tx: { packets: number } };
}

async function links(namespace: string, ...args: string[]): Promise<IpLink[]> {
  const { stdout } = await run('ip', ['-n', namespace, '-d', '-s', '-j', ...args]);
  return JSON.parse(stdout) as IpLink[];
}

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

  test('labUp describes the lab it built: up, every host, truth tables, listeners, the exact rulesets', () => {
    assert.equal(LabDescription.safeParse(description).success, true);
    assert.equal(description.up, true, (description.problems ?? []).join('; '));
    assert.equal(description.subnet, '198.18.211.0/24');
    assert.equal(description.subnet6, '2001:2:0:211::/64');
    assert.deepEqual(description.segment, { namespace: 'portlab211-switch', bridge: 'br0' });
    assert.deepEqual(
      description.hosts.map((h) => [h.role, h.namespace, h.iface, `${h.address}/${h.prefixLength}`, `${h.address6}/${h.prefixLength6}`, h.mac]),
      labEnds(topo).map((e) => [e.role, e.namespace, e.iface, `${e.address}/24`, `${e.address6}/64`, e.mac]),
    );
    assert.deepEqual(description.ports, labPorts('198.18.211.2', '2001:2:0:211::2'));
    assert.deepEqual(
      description.ports.map(({ port, protocol, truth }) => ({ port, protocol, truth })),
      LAB_TRUTH,
    );
    assert.equal(description.ruleset, nftRuleset(LAB_TRUTH));
    const rulesetLines = description.ruleset.split('\n').map((l) => l.trim());
    for (const port of description.ports.filter((p) => p.truth.startsWith('filtered')))
      assert.ok(port.rule && rulesetLines.includes(port.rule), `${port.protocol}/${port.port}: ${port.rule}`);

    const stateless = description.hosts.find((h) => h.role === 'stateless')!;
    assert.deepEqual(stateless.ports, statelessPorts('198.18.211.3', '2001:2:0:211::3'));
    assert.equal(stateless.ruleset, labRulesets(topo).get(topo.stateless.namespace), 'the stateless rules verbatim as nft lists them');
    assert.match(stateless.ruleset ?? '', /^\t\ttcp dport 80 tcp flags syn \/ syn,ack drop$/m);
    assert.doesNotMatch(stateless.ruleset ?? '', /\bct\b/, 'no connection tracking');
    assert.match(stateless.how ?? '', /stateless firewall/);

    const zombie = description.hosts.find((h) => h.role === 'zombie')!;
    assert.equal(zombie.randomIpIdAddress, '198.18.211.5');
    assert.equal(zombie.ruleset, labRulesets(topo).get(topo.zombie.namespace));
    assert.match(zombie.how ?? '', /raw socket .* one IP ID counter for every destination: \+1 per packet on 198\.18\.211\.4 .*random on 198\.18\.211\.5/);
    assert.equal(description.hosts.find((h) => h.role === 'scanner')?.ruleset, labRulesets(topo).get(topo.scanner.namespace));

    const both = (end: { address: string; address6: string }) => [end.address, end.address6].join(' ');
    assert.deepEqual(
      description.listeners.map((l) => `${l.protocol}/${l.port ?? '*'} ${l.program} on ${(l.addresses ?? []).join(' ')}`).sort(),
      [
        `tcp/* portlab lab zombie on 198.18.211.4 198.18.211.5 ${topo.zombie.address6}`,
        `tcp/22 portlab lab listen on ${both(topo.stateless)}`,
        `tcp/22 portlab lab listen on ${both(topo.target)}`,
        `tcp/53 dnsmasq on ${both(topo.target)}`,
        `tcp/80 portlab lab listen on ${both(topo.stateless)}`,
        `tcp/80 portlab lab listen on ${both(topo.target)}`,
        `udp/53 dnsmasq on ${both(topo.target)}`,
        `udp/7 portlab lab listen on ${both(topo.target)}`,
      ].sort(),
    );
    assert.equal(description.sysctls['net.ipv4.icmp_ratelimit'], '1000');
  });

  test('the segment is silent: no frame crossed the switch since the hosts came up, and none in 3 s after up', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'portlab-lab-quiet-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const pcap = join(dir, 'quiet.pcap');
    await run('ip', ['netns', 'exec', topo.scanner.namespace, 'timeout', '3', 'tcpdump', '-i', 'any', '--immediate-mode', '-n', '-w', pcap]).catch(
      (err: { code?: number }) => {
        if (err.code !== 124) throw err;
      },
    );
    const { stdout } = await run('tcpdump', ['-r', pcap, '-n']);
    assert.equal(stdout, '', 'the scanner saw frames');
    // Every frame any host sent went through its port on the switch: each port's counters say none did,
    // not even the MLD reports of the first moments (dropped by each host's nftables before the wire).
    const ports = (await links(topo.segment.namespace, 'link', 'show', 'master', 'br0')).map((l) => [l.ifname, l.stats64?.rx.packets, l.stats64?.tx.packets]);
    assert.deepEqual(
      ports.sort(),
      labEnds(topo)
        .map((e) => [switchPort(topo, e).iface, 0, 0])
        .sort(),
    );
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

  test('namespaces, the switch, veths, addresses and MACs exist as described', async () => {
    assert.deepEqual((await labNamespaces()).sort(), [
      'portlab211-scanner',
      'portlab211-stateless',
      'portlab211-switch',
      'portlab211-target',
      'portlab211-zombie',
    ]);
    const [bridge] = await links(topo.segment.namespace, 'link', 'show', 'dev', 'br0');
    assert.equal(bridge?.linkinfo?.info_kind, 'bridge');
    assert.equal(bridge?.operstate, 'UP');
    assert.deepEqual([bridge?.linkinfo?.info_data?.stp_state, bridge?.linkinfo?.info_data?.forward_delay], [0, 0], 'no STP, no forwarding delay');
    const { stdout: bridgeNf } = await run('ip', [
      'netns',
      'exec',
      topo.segment.namespace,
      'sysctl',
      '-n',
      'net.bridge.bridge-nf-call-iptables',
      'net.bridge.bridge-nf-call-ip6tables',
    ]).catch(() => ({ stdout: '0\n0\n' }));
    assert.equal(bridgeNf, '0\n0\n', 'bridged frames are not handed to netfilter');
    const { stdout: switchAddresses } = await run('ip', ['-n', topo.segment.namespace, '-j', 'addr', 'show']);
    assert.deepEqual(
      (JSON.parse(switchAddresses) as IpLink[]).flatMap((l) => l.addr_info.filter((a) => a.family === 'inet6')),
      [],
      'the switch has no IPv6 address to chatter with',
    );
    for (const end of labEnds(topo)) {
      const [link] = await links(end.namespace, 'addr', 'show', 'dev', end.iface);
      assert.equal(link?.address, end.mac);
      assert.equal(link?.operstate, 'UP');
      assert.equal(link?.linkinfo?.info_kind, 'veth');
      assert.ok(link?.addr_info.some((a) => a.family === 'inet' && a.local === end.address && a.prefixlen === 24));
      assert.ok(link?.addr_info.some((a) => a.family === 'inet6' && a.local === end.address6 && a.prefixlen === 64 && a.scope === 'global'));
      const [port] = await links(topo.segment.namespace, 'link', 'show', 'dev', switchPort(topo, end).iface);
      assert.equal(port?.master, 'br0', `${end.role}'s veth ends on the bridge`);
      assert.equal(port?.operstate, 'UP');
      const { stdout: v6 } = await run('ip', [
        'netns',
        'exec',
        end.namespace,
        'sysctl',
        '-n',
        ...['accept_dad', 'accept_ra', 'router_solicitations', 'autoconf'].map((k) => `net.ipv6.conf.${end.iface}.${k}`),
      ]);
      assert.equal(v6, '0\n0\n0\n0\n', `${end.iface}: no DAD, no RA, no RS, no autoconf`);
    }
    const [zombie] = await links(topo.zombie.namespace, 'addr', 'show', 'dev', topo.zombie.iface);
    assert.ok(zombie?.addr_info.some((a) => a.family === 'inet' && a.local === topo.zombie.randomIpIdAddress && a.prefixlen === 24));
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

  test('over IPv6, from the scanner namespace, the ports answer as over IPv4', async () => {
    const answers = await probeFromScanner(
      [
        { protocol: 'tcp', port: 22, timeoutMs: 2000, read: true },
        { protocol: 'tcp', port: 53, timeoutMs: 2000 },
        { protocol: 'tcp', port: 23, timeoutMs: 2000 },
        { protocol: 'tcp', port: 25, timeoutMs: 600 },
        { protocol: 'tcp', port: 110, timeoutMs: 2000 },
        { protocol: 'udp', port: 53, timeoutMs: 2000, payloadHex: DNS_QUERY_HEX },
        { protocol: 'udp', port: 7, timeoutMs: 2000, payloadHex: Buffer.from('portlab echo').toString('hex') },
        { protocol: 'udp', port: 69, timeoutMs: 2000, payloadHex: '' },
        { protocol: 'udp', port: 123, timeoutMs: 600, payloadHex: '' },
        { protocol: 'udp', port: 514, timeoutMs: 2000, payloadHex: '' },
      ],
      topo.target.address6,
    );
    assert.match(answers.get('tcp/22')?.data ?? '', /^SSH-2\.0-\S+\r\n$/);
    assert.equal(answers.get('tcp/53')?.result, 'connected');
    assert.equal(answers.get('tcp/23')?.result, 'ECONNREFUSED');
    assert.equal(answers.get('tcp/25')?.result, 'timeout');
    // ICMPv6 1/1 (admin-prohibited) is EACCES to connect() and send(), as Linux converts it.
    assert.equal(answers.get('tcp/110')?.result, 'EACCES');
    assert.equal(answers.get('udp/53')?.result, 'answer');
    assert.equal(Buffer.from(answers.get('udp/7')?.data ?? '', 'hex').toString(), 'portlab echo');
    assert.equal(answers.get('udp/69')?.result, 'ECONNREFUSED');
    assert.equal(answers.get('udp/123')?.result, 'timeout');
    assert.equal(answers.get('udp/514')?.result, 'EACCES');
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
    assert.deepEqual([...reply.subarray(reply.length - 4)], [198, 18, ID, 2], 'lab.portlab → 198.18.211.2');

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

  test('a dead zombie responder and a switch port gone: status names both, labDown still removes everything', async () => {
    const up = await labUp(ID);
    assert.equal(up.up, true, (up.problems ?? []).join('; '));
    const zombie = up.listeners.find((l) => l.program === 'portlab lab zombie');
    assert.ok(zombie);
    process.kill(zombie.pid, 'SIGKILL');
    await run('ip', ['-n', topo.segment.namespace, 'link', 'set', 'stateless', 'nomaster']);

    const status = await labStatus(ID);
    assert.equal(status.up, false);
    const problems = status.problems ?? [];
    assert.ok(problems.includes(`portlab lab zombie (pid ${zombie.pid}) is not running`), problems.join('; '));
    assert.ok(
      problems.some((p) => p.startsWith('the switch port stateless')),
      problems.join('; '),
    );

    assert.deepEqual(await labDown(ID), { removed: true });
    await assertNothingLeft([...new Set(up.listeners.map((l) => l.pid))]);
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
