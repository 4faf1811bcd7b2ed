import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LAB_TRUTH, labDown, labUp } from '../../src/lab';
import { ScanDocument, tcpFlagLetters, type LabDescription, type PortResult } from '../../src/protocol';
import { parseNmapXml } from '../../src/report/nmap';
import { buildCli, CLI, nmapInstalled } from './scan-support';
import { assertIdleMatchesTruth } from '../support/idle-truth';

const run = promisify(execFile);
const ID = 220;
const NETNS = `portlab${ID}-scanner`;
/** Every command is bounded: a hung scan fails the test instead of blocking it. */
const LIMIT_MS = 180_000;
const skip = process.getuid?.() === 0 ? false : 'the lab sandbox needs root (network namespaces): run the integration tests as root';

const outRoot = mkdtempSync(join(tmpdir(), 'portlab-scan-idle-'));
const TCP = LAB_TRUTH.filter((p) => p.protocol === 'tcp');
let lab: LabDescription;
let scanner: string;
let target: string;
let zombie: string;
let randomZombie: string;

before(async () => {
  if (skip) return;
  await buildCli();
  lab = await labUp(ID);
  scanner = lab.hosts.find((h) => h.role === 'scanner')!.address;
  target = lab.hosts.find((h) => h.role === 'target')!.address;
  const z = lab.hosts.find((h) => h.role === 'zombie')!;
  zombie = z.address;
  randomZombie = z.randomIpIdAddress!;
});

after(async () => {
  if (!skip) await labDown(ID);
  rmSync(outRoot, { recursive: true, force: true });
});

/** `portlab scan -sI ZOMBIE …` in the scanner namespace; resolves with its exit code and output, whatever the code. */
async function portlabIdle(zombieSpec: string, ports: string, outDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['netns', 'exec', NETNS, process.execPath, CLI, 'scan', target, '-p', ports, '-sI', zombieSpec, '--json', '--out', outDir];
  try {
    const { stdout, stderr } = await run('ip', args, { timeout: LIMIT_MS, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function portlabIdleScan(ports: string, outDir: string): Promise<Map<number, PortResult>> {
  const { code, stdout, stderr } = await portlabIdle(zombie, ports, outDir);
  assert.equal(code, 0, stderr);
  const doc = ScanDocument.parse(JSON.parse(stdout));
  assert.equal(doc.summary?.partial, false);
  assert.deepEqual(doc.summary?.techniques[0]?.zombie, { address: zombie, probePort: 80, ipIdClass: 'Incremental' });
  return new Map(doc.results.map((r) => [r.port, r]));
}

/** nmap -sI run the same way, from the same namespace: its XML, or its refusal. */
async function nmapIdle(zombieSpec: string, ports: string): Promise<{ code: number; stdout: string }> {
  const args = ['netns', 'exec', NETNS, 'nmap', '-sI', zombieSpec, '-Pn', '-n', '--reason', '-p', ports, '-oX', '-', target];
  try {
    return { code: 0, stdout: (await run('ip', args, { timeout: LIMIT_MS, maxBuffer: 64 << 20 })).stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

interface Frame {
  src: string;
  dst: string;
  ipId: number;
  flags: string;
  srcPort: number;
  dstPort: number;
}

/** The pcap's TCP segments by frame number, as tshark reads them. */
async function tcpFrames(pcap: string): Promise<Map<number, Frame>> {
  const fields = ['frame.number', 'ip.src', 'ip.dst', 'ip.id', 'tcp.flags', 'tcp.srcport', 'tcp.dstport'];
  const { stdout } = await run('tshark', ['-r', pcap, '-Y', 'tcp', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
    timeout: LIMIT_MS,
    maxBuffer: 256 << 20,
  });
  const frames = new Map<number, Frame>();
  for (const line of stdout.trim().split('\n')) {
    const [no, src, dst, id, flags, sport, dport] = line.split('\t');
    frames.set(Number(no), { src: src!, dst: dst!, ipId: Number(id), flags: tcpFlagLetters(Number(flags)), srcPort: Number(sport), dstPort: Number(dport) });
  }
  return frames;
}

test('idle scan: every TCP port of the lab target gets the table’s state and reason, and nmap -sI the same', { skip }, async (t) => {
  const ports = TCP.map((p) => p.port);
  const byPort = await portlabIdleScan(ports.join(','), join(outRoot, 'lab-ports'));
  assert.equal(byPort.size, ports.length);
  assertIdleMatchesTruth(byPort, TCP);
  if (!(await nmapInstalled())) return t.diagnostic('nmap is not installed: the comparison with nmap was skipped');
  const nmap = await nmapIdle(zombie, ports.join(','));
  const parsed = parseNmapXml(nmap.stdout);
  assert.ok(parsed, `nmap gave no XML: ${nmap.stdout.slice(0, 300)}`);
  for (const port of ports) {
    const theirs = parsed.ports.get(`${target}:${port}`);
    const ours = byPort.get(port)!;
    assert.deepEqual([ours.state, ours.reason], [theirs?.state, theirs?.reason], `port ${port}: portlab vs nmap -sI`);
  }
});

test('idle scan: the pcap holds the zombie probes, its RSTs with the IP IDs the exchanges show, and SYNs whose source is the zombie', { skip }, async () => {
  const ports = TCP.map((p) => p.port);
  const outDir = join(outRoot, 'pcap');
  const byPort = await portlabIdleScan(ports.join(','), outDir);
  const frames = await tcpFrames(join(outDir, 'idle.pcap'));
  const all = [...frames.values()];
  // Every SYN to the target is spoofed: from the zombie's probe port, never from the scanner's address.
  const syns = all.filter((f) => f.dst === target && f.flags === 'S');
  assert.ok(syns.length >= ports.length, `${syns.length} SYNs to the target`);
  assert.ok(
    syns.every((f) => f.src === zombie && f.srcPort === 80),
    'the SYNs carry the zombie as their source',
  );
  assert.deepEqual(
    all.filter((f) => f.src === scanner && f.dst === target),
    [],
    'the scanner sends the target nothing in its own name',
  );
  assert.ok(
    all.some((f) => f.src === scanner && f.dst === zombie && f.flags === 'SA' && f.dstPort === 80),
    'SYN/ACK probes to the zombie',
  );
  assert.ok(
    all.some((f) => f.src === zombie && f.dst === scanner && f.flags === 'R'),
    "the zombie's RSTs",
  );

  for (const r of byPort.values()) {
    for (const p of r.exchange) {
      if (p.inferred) {
        assert.equal(p.frame, undefined, `port ${r.port}: an inferred packet is not in the pcap`);
        continue;
      }
      const f = frames.get(p.frame!);
      assert.ok(f, `port ${r.port}: frame ${p.frame} in the pcap`);
      assert.deepEqual([f.src, f.dst, f.flags], [p.src, p.dst, p.flags], `port ${r.port}: frame ${p.frame}`);
      if (p.ipId !== undefined) assert.equal(f.ipId, p.ipId, `port ${r.port}: the zombie's IP ID in frame ${p.frame}`);
    }
    const syn = r.exchange.find((p) => p.dst === target)!;
    assert.equal(frames.get(syn.frame!)!.dstPort, r.port, `port ${r.port}: its SYN`);
    // an open port's rise: the zombie's RST to the target, in the IP ID between the two readings
    if (r.state === 'open')
      assert.deepEqual(
        r.exchange.filter((p) => p.inferred).map((p) => `${p.src}>${p.dst} ${p.flags}`),
        [`${target}>${zombie} SA`, `${zombie}>${target} R`],
      );
  }
});

test('idle scan: the zombie with random IP IDs is refused with nmap’s reason, and nmap refuses it too', { skip }, async (t) => {
  const outDir = join(outRoot, 'random');
  const { code, stderr } = await portlabIdle(randomZombie, '22,23', outDir);
  assert.equal(code, 2, stderr);
  assert.match(
    stderr,
    new RegExp(`idle scan zombie ${randomZombie.replaceAll('.', '\\.')} port 80 cannot be used because IP ID sequence class is: Randomized`),
  );
  if (!(await nmapInstalled())) return t.diagnostic('nmap is not installed: the comparison with nmap was skipped');
  const nmap = await nmapIdle(randomZombie, '22,23');
  assert.notEqual(nmap.code, 0);
  assert.match(nmap.stdout, /cannot be used because IP ID sequence class is: Randomized/);
});

test('idle scan of ports 1-1024: the open ports found, in far fewer zombie readings than ports (groups and bisection)', { skip }, async (t) => {
  const outDir = join(outRoot, 'range');
  const byPort = await portlabIdleScan('1-1024', outDir);
  assert.equal(byPort.size, 1024);
  const open = [...byPort.values()].filter((r) => r.state === 'open').map((r) => r.port);
  assert.deepEqual(
    open,
    TCP.filter((p) => p.truth === 'open' && p.port <= 1024).map((p) => p.port),
  );
  const readings = [...(await tcpFrames(join(outDir, 'idle.pcap'))).values()].filter((f) => f.src === scanner && f.dst === zombie && f.flags === 'SA');
  assert.ok(readings.length < 1024 / 4, `${readings.length} zombie probes for 1024 ports`);
  t.diagnostic(`${readings.length} zombie probes for 1024 ports`);
  const saved = ScanDocument.parse(JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')));
  assert.equal(saved.results.length, 1024);
  if (!(await nmapInstalled())) return;
  const parsed = parseNmapXml((await nmapIdle(zombie, '1-1024')).stdout);
  assert.ok(parsed);
  assert.deepEqual(
    [...parsed.ports].filter(([, p]) => p.state === 'open').map(([key]) => Number(key.split(':')[1])),
    open,
    'nmap -sI finds the same open ports',
  );
});

test('idle scan: a zombie out of scope, missing or malformed is refused in one line, before any packet', async () => {
  const cases: [string[], RegExp][] = [
    [['-sI', '8.8.8.8', '198.18.220.2'], /^portlab: idle scan zombie: target 8\.8\.8\.8 is outside the lab ranges/],
    [['198.18.220.2', '-sI'], /^portlab: the idle scan needs its zombie: -sI ZOMBIE\[:PROBEPORT\]/],
    [['-sI', '198.18.220.4:0', '198.18.220.2'], /^portlab: invalid idle scan zombie "198\.18\.220\.4:0"/],
    [['-sI', '127.0.0.1', '127.0.0.1'], /^portlab: .*cannot run over loopback/],
  ];
  for (const [args, message] of cases) {
    const r = await run(process.execPath, [CLI, 'scan', '-p', '22', ...args], { timeout: LIMIT_MS }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '' }),
    );
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line`);
  }
});
