import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { labDown, labUp, LAB_TRUTH } from '../../src/lab';
import { parseSourceIps } from '../../src/wire/source-ips';
import { ScanDocument, type LabTruth, type PortState } from '../../src/protocol';
import { buildCli, CLI, nmapScan } from './scan-support';

const run = promisify(execFile);
const ID = 70;
const NETNS = `portlab${ID}-scanner`;
const TARGET = `198.18.${ID}.2`;
const SOURCES = `198.18.${ID}.100-107`;
const LIMIT_MS = 180_000;

const UDP_STATE: Record<LabTruth, PortState> = {
  open: 'open',
  closed: 'closed',
  'filtered-drop': 'open|filtered',
  'filtered-reject': 'filtered',
  'filtered-syn': 'open',
};
const labUdp = LAB_TRUTH.filter((p) => p.protocol === 'udp');
/** Many closed ports, so that the target's ICMP rate limit (burst 6, then 1/s per destination) matters. */
const extraClosed = Array.from({ length: 20 }, (_, i) => 1000 + i);
const ports = [...labUdp.map((p) => p.port), ...extraClosed];
const truth = new Map<number, PortState>([...labUdp.map((p) => [p.port, UDP_STATE[p.truth]] as const), ...extraClosed.map((p) => [p, 'closed'] as const)]);

const outRoot = mkdtempSync(join(tmpdir(), 'portlab-source-ips-'));

before(async () => {
  await buildCli();
  await labUp(ID);
});

after(async () => {
  await labDown(ID);
  rmSync(outRoot, { recursive: true, force: true });
});

/** net.ipv4.icmp_ratelimit is per namespace: this changes the lab target's only, and puts it back. */
async function withoutIcmpRateLimit<T>(fn: () => Promise<T>): Promise<T> {
  const sysctl = (value: string) =>
    run('ip', ['netns', 'exec', `portlab${ID}-target`, 'sysctl', '-qw', `net.ipv4.icmp_ratelimit=${value}`], { timeout: 10_000 });
  const { stdout } = await run('ip', ['netns', 'exec', `portlab${ID}-target`, 'sysctl', '-n', 'net.ipv4.icmp_ratelimit'], { timeout: 10_000 });
  await sysctl('0');
  try {
    return await fn();
  } finally {
    await sysctl(stdout.trim());
  }
}

function scan(sourceIps: string, outDir?: string) {
  const args = ['netns', 'exec', NETNS, process.execPath, CLI, 'scan', TARGET, '-sU', '-p', ports.join(','), '--source-ips', sourceIps, '--json'];
  if (outDir) args.push('--out', outDir);
  return run('ip', args, { timeout: LIMIT_MS, maxBuffer: 64 << 20 });
}

test('a UDP scan from 8 source addresses gives every port the state of the truth table and of nmap', async () => {
  const outDir = join(outRoot, 'udp');
  const { stdout } = await scan(SOURCES, outDir);
  const doc = ScanDocument.parse(JSON.parse(stdout));
  assert.equal(doc.summary?.partial, false);
  const states = new Map(doc.results.map((r) => [r.port, r.state]));
  for (const port of ports) assert.equal(states.get(port), truth.get(port), `port ${port}`);
  // nmap from one source misses closed and rejecting ports behind the rate limit (it gives up on
  // them as open|filtered), so its reference states are taken with the lab target's limit off.
  const nmap = await withoutIcmpRateLimit(() => nmapScan(NETNS, TARGET, ports, 'udp'));
  for (const port of ports) assert.equal(states.get(port), nmap.get(port), `port ${port}: portlab vs nmap`);

  const fields = ['ip.src', 'ip.dst', 'udp.dstport', 'arp.opcode', 'arp.src.proto_ipv4', 'arp.src.hw_mac'];
  const { stdout: lines } = await run('tshark', ['-r', join(outDir, 'udp.pcap'), '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { timeout: LIMIT_MS });
  const rows = lines
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));
  const sources = new Set(parseSourceIps(SOURCES));
  const probeSources = new Set(rows.filter(([src, dst, dport]) => dst === TARGET && dport && sources.has(src!)).map(([src]) => src));
  assert.equal(probeSources.size, sources.size, `probes leave from every source (${[...probeSources].join(', ')})`);
  const arpReplies = rows.filter(([, , , op, sender]) => op === '2' && sources.has(sender!));
  assert.ok(arpReplies.length > 0, 'the scan answers ARP for its sources');
  assert.ok(
    arpReplies.every((r) => r[5] === arpReplies[0]![5]),
    'with one MAC, the interface’s',
  );
});

for (const [what, sourceIps, message] of [
  [
    'the target’s own address (in use)',
    `198.18.${ID}.104-105,${TARGET}`,
    new RegExp(`^portlab: --source-ips: ${TARGET.replaceAll('.', '\\.')} is in use by 02:[0-9a-f:]+\\n$`),
  ],
  [
    'an off-subnet address',
    `198.18.${ID + 1}.5`,
    new RegExp(`^portlab: --source-ips: 198\\.18\\.${ID + 1}\\.5 is not on \\S+ subnet \\(198\\.18\\.${ID}\\.0/24\\)\\n$`),
  ],
] as const) {
  test(`--source-ips with ${what} is refused with one line and exit 2, before any probe`, async () => {
    const failed = await scan(sourceIps).then(
      () => assert.fail('the scan ran'),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, message);
    assert.equal(failed.stdout, '');
  });
}
