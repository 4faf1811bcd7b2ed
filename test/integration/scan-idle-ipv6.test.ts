import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LAB_TRUTH, labDown, labUp } from '../../src/lab';
import { ScanDocument, tcpFlagLetters, type PortResult } from '../../src/protocol';
import { parseNmapXml } from '../../src/report/nmap';
import { buildCli, CLI, nmapInstalled } from './scan-support';
import { assertIdleMatchesTruth } from '../support/idle-truth';

const run = promisify(execFile);
const ID = 225;
const NETNS = `portlab${ID}-scanner`;
/** Every command is bounded: a hung scan fails the test instead of blocking it. */
const LIMIT_MS = 180_000;
const skip = process.getuid?.() === 0 ? false : 'the lab sandbox needs root (network namespaces): run the integration tests as root';

const outRoot = mkdtempSync(join(tmpdir(), 'portlab-scan-idle6-'));
const TCP = LAB_TRUTH.filter((p) => p.protocol === 'tcp');
const PORTS = TCP.map((p) => p.port).join(',');
let scanner: string;
let target: string;
let zombie: string;
let zombie4: string;

before(async () => {
  if (skip) return;
  await buildCli();
  const lab = await labUp(ID);
  scanner = lab.hosts.find((h) => h.role === 'scanner')!.address6!;
  target = lab.hosts.find((h) => h.role === 'target')!.address6!;
  const z = lab.hosts.find((h) => h.role === 'zombie')!;
  zombie = z.address6!;
  zombie4 = z.address;
});

after(async () => {
  if (!skip) await labDown(ID);
  rmSync(outRoot, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  signal?: string;
  stdout: string;
  stderr: string;
}

async function inScanner(command: string, args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run('ip', ['netns', 'exec', NETNS, command, ...args], { timeout: LIMIT_MS, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; signal?: string; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, ...(e.signal ? { signal: e.signal } : {}), stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `portlab scan -6 -sI ZOMBIE …` in the scanner namespace. */
function portlabIdle6(zombieSpec: string, outDir: string): Promise<Outcome> {
  return inScanner(process.execPath, [CLI, 'scan', '-6', target, '-p', PORTS, '-sI', zombieSpec, '--json', '--out', outDir]);
}

interface Frame {
  src: string;
  dst: string;
  /** the fragment header's Identification, when the packet has one */
  fragmentId?: number;
  flags?: string;
  icmpType?: number;
  mtu?: number;
  srcPort?: number;
  dstPort?: number;
}

/** The pcap's IPv6 packets by frame number, as tshark reads them (an ICMPv6 error's quoted addresses left out). */
async function ipv6Frames(pcap: string): Promise<Map<number, Frame>> {
  const fields = ['frame.number', 'ipv6.src', 'ipv6.dst', 'ipv6.fraghdr.ident', 'tcp.flags', 'icmpv6.type', 'icmpv6.mtu', 'tcp.srcport', 'tcp.dstport'];
  const { stdout } = await run('tshark', ['-r', pcap, '-Y', 'ipv6', '-T', 'fields', '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])], {
    timeout: LIMIT_MS,
    maxBuffer: 256 << 20,
  });
  const frames = new Map<number, Frame>();
  const number = (text: string | undefined) => (text ? Number(text) : undefined);
  for (const line of stdout.trim().split('\n')) {
    const [no, src, dst, fragmentId, flags, icmpType, mtu, sport, dport] = line.split('\t');
    const frame: Frame = { src: src!, dst: dst! };
    if (fragmentId) frame.fragmentId = Number(fragmentId);
    if (flags) frame.flags = tcpFlagLetters(Number(flags));
    if (icmpType) frame.icmpType = Number(icmpType);
    if (mtu) frame.mtu = Number(mtu);
    if (sport) frame.srcPort = number(sport);
    if (dport) frame.dstPort = number(dport);
    frames.set(Number(no), frame);
  }
  return frames;
}

/**
 * nmap 7.93's own `-6 -sI`, as the brief of the comparison asks: its XML, or how it failed. On this machine
 * it crashes (SIGSEGV) right after "Initiating idle scan" unless given -S; with -S it sends its SYN/ACK
 * probes to a socket address that is its own source address (strace: sendto(…, sin6_addr = the scanner)),
 * so none reaches the zombie and it gives up with "has not returned any of our probes".
 */
function nmapIdle6(extra: string[]): Promise<Outcome> {
  return inScanner('nmap', ['-6', '-sI', `[${zombie}]:80`, '-Pn', '-n', '--reason', '-p', PORTS, '-oX', '-', ...extra, target]);
}

let byPort: Map<number, PortResult>;
const outDir = () => join(outRoot, 'lab-ports');

test('idle scan over IPv6: every TCP port of the lab target gets the table’s state and reason, compared with nmap -6 -sI', { skip }, async (t) => {
  const { code, stdout, stderr } = await portlabIdle6(`[${zombie}]:80`, outDir());
  assert.equal(code, 0, stderr);
  const doc = ScanDocument.parse(JSON.parse(stdout));
  assert.equal(doc.summary?.partial, false);
  assert.deepEqual(doc.summary?.techniques[0]?.zombie, { address: zombie, probePort: 80, ipIdClass: 'Incremental' });
  byPort = new Map(doc.results.map((r) => [r.port, r]));
  assert.equal(byPort.size, TCP.length);
  assertIdleMatchesTruth(byPort, TCP);

  if (!(await nmapInstalled())) return t.diagnostic('nmap is not installed: the comparison with nmap was skipped');
  for (const extra of [[], ['-S', scanner, '-e', `pl${ID}s`]]) {
    const nmap = await nmapIdle6(extra);
    const parsed = nmap.code === 0 ? parseNmapXml(nmap.stdout) : undefined;
    if (parsed && parsed.ports.size > 0) {
      for (const { port } of TCP) {
        const theirs = parsed.ports.get(`${target}:${port}`);
        const ours = byPort.get(port)!;
        assert.deepEqual([ours.state, ours.reason], [theirs?.state, theirs?.reason], `port ${port}: portlab vs nmap -6 -sI ${extra.join(' ')}`);
      }
      continue;
    }
    // nmap 7.93's IPv6 idle scan fails here in one of two known ways (nmapIdle6); any other failure fails the test.
    const said = `${nmap.stdout}${nmap.stderr}`;
    assert.ok(
      nmap.signal === 'SIGSEGV' || nmap.code === 139 || /cannot be used because it has not returned any of our probes/.test(said),
      `nmap -6 -sI ${extra.join(' ')} failed in a new way: code ${nmap.code} ${nmap.signal ?? ''} ${said.slice(-400)}`,
    );
    t.diagnostic(`nmap -6 -sI ${extra.join(' ')}: no answer to compare (${nmap.signal ?? `exit ${nmap.code}`}: ${said.trim().split('\n').at(-2) ?? ''})`);
  }
});

test(
  'idle scan over IPv6: the pcap shows both Packet Too Bigs, the zombie’s atomic fragments with the IDs the exchanges show, and SYNs from the zombie',
  { skip },
  async () => {
    assert.ok(byPort, 'the scan of the first test ran');
    const frames = await ipv6Frames(join(outDir(), 'idle.pcap'));
    const all = [...frames.values()];
    // nmap's preparation: a Packet Too Big with MTU 1278 in our name, and one in the target's.
    const tooBig = all.filter((f) => f.icmpType === 2 && f.dst === zombie);
    assert.deepEqual(
      tooBig.map((f) => [f.src, f.mtu]),
      [
        [scanner, 1278],
        [target, 1278],
      ],
    );
    const resets = all.filter((f) => f.src === zombie && f.dst === scanner && f.flags === 'R');
    assert.ok(resets.length >= TCP.length, `${resets.length} RSTs of the zombie`);
    assert.ok(
      resets.every((f) => f.fragmentId !== undefined),
      'after the Packet Too Big every RST to the scanner is an atomic fragment',
    );
    const syns = all.filter((f) => f.dst === target && f.flags === 'S');
    assert.ok(syns.length >= TCP.length && syns.every((f) => f.src === zombie && f.srcPort === 80), 'the SYNs carry the zombie as their source');
    assert.deepEqual(
      all.filter((f) => f.src === scanner && f.dst === target && f.flags !== undefined),
      [],
      'the scanner sends the target no TCP in its own name',
    );
    for (const r of byPort.values()) {
      for (const p of r.exchange) {
        if (p.inferred) continue;
        const f = frames.get(p.frame!);
        assert.ok(f, `port ${r.port}: frame ${p.frame} in the pcap`);
        assert.deepEqual([f.src, f.dst, f.flags], [p.src, p.dst, p.flags], `port ${r.port}: frame ${p.frame}`);
        if (p.ipId !== undefined) assert.equal(f.fragmentId, p.ipId, `port ${r.port}: the zombie's fragment ID in frame ${p.frame}`);
      }
    }
  },
);

test('idle scan over IPv6: a zombie of the other family is refused in one line, before any packet', { skip }, async () => {
  const r = await portlabIdle6(zombie4, join(outRoot, 'mixed'));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`^portlab: idle scan zombie: target ${zombie4.replaceAll('.', '\\.')} is an IPv4 address; -6 scans IPv6 targets only`));
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
