import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { ResponseMessage } from 'vscode-jsonrpc/node';
import { labDown, labUp } from '../../src/lab';
import { PROTOCOL_VERSION, RpcErrorCode, type PortResult, type ScanSummary } from '../../src/protocol';
import { exitOf, rootSkip, sleep, statesOf, topologyOf, tsharkFrames } from '../support/lab-env';
import { RawHelperSession } from '../support/raw-rpc';

/**
 * Issue 7, items 2 and 6: random and malicious JSON-RPC sequences against a real helper in lab 63's
 * scanner namespace, then the helper must still answer `hello` and scan the lab right; the scope guard
 * holds with nothing on the wire; captures are 0600 under the configured directory only.
 */
const ID = 63;
const topo = topologyOf(ID);
const TARGET = topo.target.address;
const NS = topo.scanner.namespace;
const HOSTILE_TIME_MS = 60_000;
const PORTS = '7,22,23,25,53,69,80,110,123,443';
/** What the lab's truth gives for PORTS by SYN and UDP: the oracle of the final valid scan. */
const EXPECTED = [
  'syn 22/tcp open syn-ack', 'syn 23/tcp closed reset', 'syn 25/tcp filtered no-response', 'syn 53/tcp open syn-ack',
  'syn 80/tcp open syn-ack', 'syn 110/tcp filtered admin-prohibited', 'syn 443/tcp closed reset',
  'syn 7/tcp closed reset', 'syn 69/tcp closed reset', 'syn 123/tcp closed reset',
  'udp 7/udp open udp-response', 'udp 53/udp open udp-response', 'udp 69/udp closed port-unreach', 'udp 123/udp open|filtered no-response',
  ...[22, 23, 25, 80, 110, 443].map((p) => `udp ${p}/udp closed port-unreach`),
].sort();

// Targets a generated request may name: the lab, addresses of the lab subnet, public and unparsable
// ones. Never a host name (the scope guard would resolve it through DNS) nor a private range outside
// 198.18.0.0/15 (the rules allow packets only to the project's namespaces).
const target = fc.constantFrom(TARGET, `198.18.${ID}.9`, '8.8.8.8', '1.1.1.1', '0.0.0.0', '255.255.255.255', '198.18.63', '::1', '');
const ports = fc.oneof(fc.constantFrom('22', '23,25', '1-70000', '0', '-1', 'a', '22-', ',', '80'), fc.integer({ min: 1, max: 65535 }).map(String));
const technique = fc.constantFrom('syn', 'xmas', 'fin', 'null', 'udp', 'connect', 'ack', 'SYN', '');
const scanStartParams = fc.record(
  {
    targets: fc.array(target, { maxLength: 3 }),
    ports,
    techniques: fc.array(technique, { maxLength: 3 }),
    rate: fc.oneof(fc.constantFrom(500, 1000, -1, 0, 1e12), fc.double()),
    maxRetries: fc.constantFrom(0, 1, 51, -1, 1.5),
    iface: fc.constantFrom(topo.scanner.iface, 'lo', '../../etc', 'x'.repeat(16), 'eth0'),
    allowTargets: fc.constantFrom([], ['not a cidr'], ['198.18.0.0/15']),
    extra: fc.anything(),
  },
  { requiredKeys: ['targets', 'ports', 'techniques'] },
);

type Step =
  | { kind: 'request'; method: string; params: unknown }
  | { kind: 'notification'; method: string; params: unknown }
  | { kind: 'cancel-last' }
  | { kind: 'garbage'; bytes: Uint8Array }
  | { kind: 'short-length'; body: string }
  | { kind: 'bad-header'; header: string };

// Only read-only or scan methods: lab.up/lab.down would rebuild other tests' labs, discover would sweep.
const method = fc.oneof(fc.constantFrom('hello', 'interfaces', 'scan.start', 'scan.cancel', 'lab.status', '__proto__', 'toString', 'scan.done', 'rpc.x'), fc.string({ maxLength: 20 }));
const anyParams = fc.oneof(fc.anything(), fc.constant(undefined), fc.array(fc.anything(), { maxLength: 3 }));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('request' as const), method: fc.constant('scan.start'), params: scanStartParams }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('request' as const), method, params: anyParams }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('request' as const), method: fc.constant('hello'), params: fc.record({ protocolVersion: fc.oneof(fc.constant(PROTOCOL_VERSION), fc.integer()), client: fc.string({ maxLength: 300 }) }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('request' as const), method: fc.constant('lab.status'), params: fc.record({ id: fc.oneof(fc.constant(ID), fc.integer({ min: -5, max: 300 })) }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('notification' as const), method, params: anyParams }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'cancel-last' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('short-length' as const), body: fc.json() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bad-header' as const), header: fc.constantFrom('Content-Length: -5', 'Content-Length: abc', 'Content-Type: x', 'Content-Length: 99999999999999999999', '') }) },
);

describe('hostile JSON-RPC against the helper, lab 63', { skip: rootSkip, timeout: 300_000 }, () => {
  const dirs: string[] = [];
  const captureRoot = () => {
    const d = mkdtempSync(join(tmpdir(), 'portlab-hostile-'));
    dirs.push(d);
    return d;
  };
  before(async () => {
    await labUp(ID);
  });
  after(async () => {
    await labDown(ID);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('random and malicious sequences for a bounded time; then hello and a valid scan still work', async () => {
    const root = captureRoot();
    const s = new RawHelperSession(NS, root);
    let sequences = 0;
    let messages = 0;
    let nextId = 1;
    const scanIds: string[] = [];
    try {
      s.request(nextId, 'hello', { protocolVersion: PROTOCOL_VERSION, client: 'hostile' });
      assert.ok((await s.reply(nextId++)).result);
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
          sequences++;
          for (const st of steps) {
            messages++;
            if (st.kind === 'request') s.request(nextId++, st.method, st.params);
            else if (st.kind === 'notification') s.frame(JSON.stringify({ jsonrpc: '2.0', method: st.method, params: st.params }));
            else if (st.kind === 'cancel-last') s.request(nextId++, 'scan.cancel', { scanId: scanIds.at(-1) ?? 'scan-none' });
            else if (st.kind === 'garbage') s.write(st.bytes);
            else if (st.kind === 'short-length') s.frame(st.body, Math.max(0, Buffer.byteLength(st.body) - 1));
            else s.write(`${st.header}\r\n\r\n`);
          }
          // Framing damage may swallow a request, never the helper: a fresh hello is answered.
          const id = `probe-${nextId++}`;
          s.request(id, 'hello', { protocolVersion: PROTOCOL_VERSION, client: 'probe' });
          const answer = await s.reply(id, 20_000);
          assert.ok(answer.result, `hello after sequence ${sequences}: ${JSON.stringify(answer.error)}`);
          for (const m of s.inbox.splice(0)) {
            const result = (m as ResponseMessage).result as { scanId?: unknown } | undefined;
            if (result && typeof result.scanId === 'string') scanIds.push(result.scanId);
          }
          assert.ok(s.alive, 'the helper is running');
        }),
        { numRuns: 1000, interruptAfterTimeLimit: HOSTILE_TIME_MS, markInterruptAsFailure: false, endOnFailure: true },
      );
      process.stdout.write(`# hostile sequences: ${sequences} (${messages} messages, ${scanIds.length} scans started by the fuzzer)\n`);
      // the scans the fuzzer started are cancelled; then a valid scan gives the lab's truth
      for (const scanId of scanIds) s.request(nextId++, 'scan.cancel', { scanId });
      await sleep(3500);
      s.inbox.splice(0);
      const id = nextId++;
      s.request(id, 'scan.start', { targets: [TARGET], ports: PORTS, techniques: ['syn', 'udp'] });
      const started = await s.reply(id, 20_000);
      assert.ok(started.result, JSON.stringify(started.error));
      const scanId = (started.result as { scanId: string }).scanId;
      const done = await s.notification('scan.done', (p) => (p as ScanSummary).scanId === scanId, 90_000);
      assert.equal((done.params as ScanSummary).partial, false);
      const results = (s.inbox as unknown as { method?: string; params?: { scanId: string; result: PortResult } }[])
        .filter((m) => m.method === 'scan.port' && m.params?.scanId === scanId)
        .map((m) => m.params!.result);
      assert.deepEqual(statesOf(results), EXPECTED);
      assert.ok(sequences >= 20, `${sequences} sequences sent`);
    } finally {
      await s.close();
    }
    assert.equal(s.child.exitCode, 0, 'the helper ends cleanly when its stdin closes');
  });

  test('a public target is refused before any packet, with the client check skipped', async () => {
    const capture = join(captureRoot(), 'scanner.pcap');
    const tcpdump = spawn('ip', ['netns', 'exec', NS, 'tcpdump', '-i', 'any', '-U', '-n', '-w', capture], { stdio: ['ignore', 'ignore', 'pipe'] });
    const s = new RawHelperSession(NS, captureRoot());
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('tcpdump did not start')), 10_000);
        tcpdump.stderr.on('data', (d: Buffer) => /listening on/.test(d.toString()) && (clearTimeout(timer), resolve()));
      });
      s.request(1, 'hello', { protocolVersion: PROTOCOL_VERSION, client: 'no-scope-check' });
      assert.ok((await s.reply(1)).result);
      const publicTargets = ['8.8.8.8', '1.1.1.1', '9.9.9.9'];
      for (const [i, t] of publicTargets.entries()) {
        s.request(10 + i, 'scan.start', { targets: [TARGET, t], ports: '53,80', techniques: ['syn', 'udp', 'connect'] });
        const r = await s.reply(10 + i);
        assert.equal(r.error?.code, RpcErrorCode.userError);
        assert.match(r.error?.message ?? '', new RegExp(`params\\.targets\\[1\\]: target ${t.replaceAll('.', '\\.')} is outside the lab ranges`));
      }
      s.request(20, 'discover', { targets: '8.8.8.0/30' });
      assert.match((await s.reply(20)).error?.message ?? '', /outside the lab ranges/);
      await sleep(1000);
    } finally {
      tcpdump.kill('SIGINT');
      await exitOf(tcpdump, 5000).catch(() => tcpdump.kill('SIGKILL'));
      await s.close();
    }
    // not one packet, not even to the lab target named beside the public one: refusal comes first
    assert.equal(await tsharkFrames(capture, 'ip or arp'), 0);
  });

  test('captures: 0600 files in 0700 directories under the configured root, and no other file open', async () => {
    const root = captureRoot();
    const s = new RawHelperSession(NS, root);
    try {
      s.request(1, 'hello', { protocolVersion: PROTOCOL_VERSION, client: 'files' });
      assert.ok((await s.reply(1)).result);
      s.request(2, 'scan.start', { targets: [TARGET], ports: '1-65535', techniques: ['syn', 'fin'], rate: 5000 });
      const { scanId } = (await s.reply(2)).result as { scanId: string };
      await sleep(1500);
      // every file the helper holds open while scanning lies under the capture root
      const fdDir = `/proc/${s.child.pid}/fd`;
      const files = readdirSync(fdDir)
        .map((fd) => {
          try {
            return readlinkSync(join(fdDir, fd));
          } catch {
            return '';
          }
        })
        .filter((p) => p.startsWith('/') && !p.startsWith('/dev/') && !p.startsWith('/proc/'));
      assert.ok(files.length > 0, 'the capture is open');
      for (const f of files) assert.ok(f.startsWith(`${root}/`) || f === process.execPath, `${f} is outside ${root}`);
      s.request(3, 'scan.cancel', { scanId });
      await s.notification('scan.done', (p) => (p as ScanSummary).scanId === scanId, 20_000);
    } finally {
      await s.close();
    }
    const walk = (dir: string): void => {
      assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else assert.equal(statSync(p).mode & 0o777, 0o600, p);
      }
    };
    walk(root);
    const scanDirs = readdirSync(root);
    assert.equal(scanDirs.length, 1);
    // cancelled during the SYN part: the FIN capture was never opened
    assert.deepEqual(readdirSync(join(root, scanDirs[0]!)), ['syn.pcap']);
  });

  test('a lying over-limit Content-Length does not swallow the requests after it', async () => {
    const s = new RawHelperSession(NS, captureRoot());
    try {
      s.request(1, 'hello', { protocolVersion: PROTOCOL_VERSION, client: 'liar' });
      assert.ok((await s.reply(1)).result);
      s.write('Content-Length: 99999999\r\n\r\n{"jsonrpc":"2.0"}');
      await sleep(500);
      s.request(2, 'interfaces', {});
      assert.ok(Array.isArray((await s.reply(2, 10_000)).result));
    } finally {
      await s.close();
    }
  });
});
