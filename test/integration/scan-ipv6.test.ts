// Every raw technique over IPv6 against every port kind of lab 230's target (2001:2:0:230::2), from its scanner
// namespace: states and reasons against the lab's truth and against `nmap -6` run on the same ports, the pcap read
// by tshark (IPv6 frames, neighbour discovery, our probes' checksums good). And a SYN scan of ::1 on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { labDown, labUp, LAB_TRUTH } from '../../src/lab';
import { labTopology } from '../../src/lab/topology';
import { formatExchange, TECHNIQUES, type Technique } from '../../src/protocol';
import { NMAP_FLAG } from '../../src/technique';
import { expectedLabVerdict } from '../../src/technique/lab-answer';
import { buildCli, exchangeMismatch, nmapInstalled, portlabScan, ROOT, tsharkFrames } from './scan-support';

const run = promisify(execFile);
const ID = 230;
const LAB = labTopology(ID);
const NETNS = LAB.scanner.namespace;
const TARGET = LAB.target.address6;
const SCANNER = LAB.scanner.address6;
const LIMIT_MS = 180_000;
/** the raw techniques that scan a target on their own (the idle scan needs a zombie; connect is the OS's) */
const RAW: Technique[] = TECHNIQUES.filter((t) => t !== 'connect' && t !== 'idle');

const outRoot = mkdtempSync(join(tmpdir(), 'portlab-scan-ipv6-'));

before(async () => {
  await buildCli();
  await labUp(ID);
});

after(async () => {
  await labDown(ID);
  rmSync(outRoot, { recursive: true, force: true });
});

/** `nmap -6` with --reason: state and reason per port, from its normal output (every port listed: few ports per state). */
async function nmap6(netns: string | undefined, target: string, ports: number[], technique: Technique): Promise<Map<number, string>> {
  const argv = ['nmap', '-6', `-s${NMAP_FLAG[technique]}`, '-Pn', '-n', '--reason', '-p', ports.join(','), target];
  const [cmd, args] = netns ? ['ip', ['netns', 'exec', netns, ...argv]] : [argv[0]!, argv.slice(1)];
  const { stdout } = await run(cmd, args, { timeout: LIMIT_MS });
  const lines = new Map<number, string>();
  for (const m of stdout.matchAll(/^(\d+)\/(?:tcp|udp)\s+(\S+)\s+\S+\s+(\S+)/gm)) lines.set(Number(m[1]), `${m[2]} ${m[3]}`);
  return lines;
}

/** Each frame's EtherType and source, and whether tshark finds its TCP, UDP or ICMPv6 checksum good. */
async function tsharkChecks(pcap: string): Promise<{ etherType: string; src: string; info: string; checksumGood: boolean }[]> {
  const fields = ['eth.type', 'ipv6.src', 'tcp.checksum.status', 'udp.checksum.status', 'icmpv6.checksum.status', '_ws.col.Info'];
  const { stdout } = await run(
    'tshark',
    ['-r', pcap, '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
    { timeout: LIMIT_MS, maxBuffer: 64 << 20 },
  );
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [etherType, src, tcp, udp, icmp6, info] = line.split('\t');
      // status 1 is "Good"; an ICMPv6 error's quoted header repeats the field, its own status first
      const statuses = [tcp, udp, icmp6].map((s) => (s ?? '').split(',')[0]).filter((s) => s !== '');
      return {
        etherType: etherType ?? '',
        src: (src ?? '').split(',')[0]!,
        info: info ?? '',
        checksumGood: statuses.length > 0 && statuses.every((s) => s === '1'),
      };
    });
}

for (const technique of RAW) {
  test(`${technique} over IPv6: every lab port gets the lab's truth and nmap -6's state and reason, and the pcap is IPv6`, async (t) => {
    const truth = LAB_TRUTH.filter((p) => p.protocol === (technique === 'udp' ? 'udp' : 'tcp'));
    const ports = truth.map((p) => p.port);
    const outDir = join(outRoot, technique);
    const { doc, byPort } = await portlabScan(NETNS, TARGET, ports, technique, outDir);
    assert.equal(doc.results.length, ports.length, 'one result per port');
    assert.equal(doc.summary?.partial, false);

    for (const { port, truth: kind } of truth) {
      const r = byPort.get(port);
      const { state, reason } = expectedLabVerdict(technique, kind, 6);
      assert.deepEqual([r?.state, r?.reason], [state, reason], `${technique} ${port} (${kind}): ${formatExchange(r?.exchange ?? [])}`);
      assert.equal(r!.target, TARGET);
      assert.ok(
        r!.exchange.every((p) => p.ipVersion === 6),
        `${technique} ${port}: every packet of the exchange is IPv6`,
      );
    }

    if (await nmapInstalled()) {
      const nmap = await nmap6(NETNS, TARGET, ports, technique);
      for (const port of ports) {
        const r = byPort.get(port)!;
        assert.equal(`${r.state} ${r.reason}`, nmap.get(port), `${technique} port ${port}: portlab vs nmap -6`);
      }
    } else t.diagnostic('nmap is not installed: the comparison with nmap -6 was skipped');

    const pcap = join(outDir, `${technique}.pcap`);
    const frames = await tsharkFrames(pcap);
    for (const { port } of truth) {
      const r = byPort.get(port)!;
      assert.equal(exchangeMismatch(r, frames), undefined, `${technique} ${port}: ${formatExchange(r.exchange)}`);
    }
    const checks = await tsharkChecks(pcap);
    assert.ok(
      checks.every((c) => c.etherType === '0x86dd'),
      'every frame of the pcap is IPv6',
    );
    assert.match(checks[0]!.info, new RegExp(`^Neighbor Solicitation for ${TARGET} from ${LAB.scanner.mac}`), 'the pcap opens with our neighbour solicitation');
    assert.match(checks[1]!.info, new RegExp(`^Neighbor Advertisement ${TARGET} .*is at ${LAB.target.mac}`), "and the target's advertisement");
    // our probes, not our kernel's packets (its resets and port-unreachables leave before the NIC's checksum offload fills them in)
    const probes = [...byPort.values()].flatMap((r) => r.exchange.filter((p) => p.dir === 'out' && !p.kernel).map((p) => checks[p.frame! - 1]!));
    assert.ok(probes.length >= ports.length && probes.every((c) => c.src === SCANNER));
    assert.deepEqual(
      probes.filter((c) => !c.checksumGood).map((c) => c.info),
      [],
      "tshark finds every probe's checksum good",
    );

    const reject = truth.find((p) => p.truth === 'filtered-reject')!.port;
    assert.ok(
      byPort.get(reject)!.exchange.some((p) => p.dir === 'in' && p.kind === 'icmp' && frames.get(p.frame!)!.icmp === '1/1'),
      `${technique}: the reject port's ICMPv6 1/1 is in the pcap`,
    );
    const sent = byPort.get(ports[0]!)!.exchange.find((p) => p.dir === 'out')!;
    assert.equal(sent.len, technique === 'udp' ? 40 + 8 + 0 : technique === 'syn' ? 40 + 24 : 40 + 20, 'an IPv6 packet is its payload + 40 bytes long');
  });
}

test('SYN scan of ::1 on loopback: a listening port open, a free one closed, as nmap -6 says', async (t) => {
  const listening: Server = createServer();
  await new Promise<void>((resolve) => listening.listen(0, '::1', resolve));
  const free: Server = createServer();
  await new Promise<void>((resolve) => free.listen(0, '::1', resolve));
  const open = (listening.address() as AddressInfo).port;
  const closed = (free.address() as AddressInfo).port;
  await new Promise((resolve) => free.close(resolve));
  try {
    const { doc, byPort } = await portlabScan(undefined, '::1', [open, closed], 'syn', join(outRoot, 'loopback'));
    assert.equal(doc.summary?.partial, false);
    assert.deepEqual([byPort.get(open)?.state, byPort.get(open)?.reason], ['open', 'syn-ack']);
    assert.equal(formatExchange(byPort.get(open)!.exchange), 'S → SA → R(kernel)');
    assert.deepEqual([byPort.get(closed)?.state, byPort.get(closed)?.reason], ['closed', 'reset']);
    assert.ok(byPort.get(open)!.exchange.every((p) => p.src === '::1' && p.ipVersion === 6));
    if (await nmapInstalled()) {
      const nmap = await nmap6(undefined, '::1', [open, closed], 'syn');
      assert.deepEqual([nmap.get(open), nmap.get(closed)], ['open syn-ack', 'closed reset']);
    } else t.diagnostic('nmap is not installed: the comparison with nmap -6 was skipped');
    const checks = await tsharkChecks(join(outRoot, 'loopback', 'syn.pcap'));
    assert.ok(checks.every((c) => c.etherType === '0x86dd' && c.src === '::1'));
  } finally {
    listening.close();
  }
});

/**
 * Ports of the target given every ICMPv6 error an IPv6 probe can draw: nftables rejects 1001-1004 and 1008 with
 * the other destination-unreachable codes, and a scapy responder answers 1005-1007 (dropped by nftables, so the
 * kernel stays silent) with time exceeded and both parameter problems. The readings must be nmap -6's.
 */
const ICMPV6_PORTS: Record<number, string> = {
  1001: 'no-route',
  1002: 'addr-unreachable',
  1003: 'policy-fail',
  1004: 'reject-route',
  1008: 'port-unreachable',
};
const RESPONDER_PORTS = [1005, 1006, 1007];

async function scapyInstalled(): Promise<boolean> {
  return run('/usr/bin/python3', ['-c', 'import scapy.all'], { timeout: 60_000 }).then(
    () => true,
    () => false,
  );
}

test('every ICMPv6 error code over IPv6 reads as nmap -6 reads it (SYN and UDP)', async (t) => {
  if (!(await nmapInstalled()) || !(await scapyInstalled())) return t.skip('needs nmap and scapy (/usr/bin/python3)');
  const rules = Object.entries(ICMPV6_PORTS).flatMap(([port, type]) =>
    ['tcp', 'udp'].map((p) => `meta nfproto ipv6 ${p} dport ${port} reject with icmpv6 type ${type}`),
  );
  const ruleset = `table inet h4icmpv6 {
  chain input {
    type filter hook input priority -10; policy accept;
    ${[...rules, `meta nfproto ipv6 meta l4proto { tcp, udp } th dport { ${RESPONDER_PORTS.join(', ')} } drop`].join('\n    ')}
  }
}
`;
  const nft = spawn('ip', ['netns', 'exec', LAB.target.namespace, 'nft', '-f', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
  nft.stdin.end(ruleset);
  const [code] = (await once(nft, 'exit')) as [number];
  assert.equal(code, 0, 'nft took the rules');
  const responder = spawn(
    'ip',
    ['netns', 'exec', LAB.target.namespace, '/usr/bin/python3', join(ROOT, 'test/fixtures/ipv6/icmpv6-responder.py'), LAB.target.iface],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the ICMPv6 responder did not start in 60 s')), 60_000);
      responder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && (clearTimeout(timer), resolve()));
    });
    await ready;
    const ports = [...Object.keys(ICMPV6_PORTS).map(Number), ...RESPONDER_PORTS].sort((a, b) => a - b);
    for (const technique of ['syn', 'udp'] as const) {
      const { byPort } = await portlabScan(NETNS, TARGET, ports, technique, join(outRoot, `icmpv6-${technique}`));
      const nmap = await nmap6(NETNS, TARGET, ports, technique);
      const ours = new Map(ports.map((p) => [p, `${byPort.get(p)?.state} ${byPort.get(p)?.reason}`]));
      assert.deepEqual(ours, nmap, `${technique}: ${ports.map((p) => `${p} ${formatExchange(byPort.get(p)?.exchange ?? [])}`).join('; ')}`);
      t.diagnostic(`${technique}: ${ports.map((p) => `${p} ${ours.get(p)}`).join(', ')}`);
    }
  } finally {
    responder.kill();
  }
});
