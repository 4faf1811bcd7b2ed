import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { StreamMessageReader, type Message, type NotificationMessage, type ResponseMessage } from 'vscode-jsonrpc/node';
import { HelperClient, HelperGoneError, HelperRequestError, startHelper } from '../../src/helper/client';
import { labDown, labTopology, labUp } from '../../src/lab';
import { PROTOCOL_VERSION, RpcErrorCode, type PortResult, type ScanDocument, type ScanStartParams } from '../../src/protocol';

const run = promisify(execFile);
const ID = 30;
const topo = labTopology(ID);
const TARGET = topo.target.address;
const NETNS = topo.scanner.namespace;
const CLI = resolve(__dirname, '..', '..', 'out', 'cli.js');
const skip = process.getuid?.() === 0 ? false : 'needs root (network namespaces)';
/** TCP: open 22 53 80, closed 23 443, drop 25, reject 110; UDP: open 7 53, closed 69 22 …, drop 123. */
const PORTS = '7,22,23,25,53,69,80,110,123,443';
const VALID_SCAN: ScanStartParams = { targets: [TARGET], ports: PORTS, techniques: ['syn', 'xmas', 'udp'] };
/** A scan long enough to interrupt: every port at a modest rate. */
const LONG_SCAN: ScanStartParams = { targets: [TARGET], ports: '1-65535', techniques: ['syn'], rate: 3000 };

const statesOf = (results: PortResult[]) =>
  results.map((r) => `${r.technique} ${r.port}/${r.protocol} ${r.state} ${r.reason}`).sort();

async function tsharkFrames(pcap: string): Promise<number> {
  const { stdout } = await run('tshark', ['-r', pcap, '-T', 'fields', '-e', 'frame.number']);
  return stdout.trim() === '' ? 0 : stdout.trim().split('\n').length;
}

async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A helper in the scanner namespace spoken to byte by byte, for input no well-behaved client sends. */
class RawSession {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly inbox: Message[] = [];
  private waiters: (() => void)[] = [];
  constructor(captureDir: string) {
    this.child = spawn('ip', ['netns', 'exec', NETNS, process.execPath, CLI, 'helper', '--capture-dir', captureDir]);
    new StreamMessageReader(this.child.stdout).listen((m) => {
      this.inbox.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  write(bytes: string | Buffer): void {
    this.child.stdin.write(bytes);
  }
  frame(body: string | Buffer, length = Buffer.byteLength(body)): void {
    this.write(Buffer.concat([Buffer.from(`Content-Length: ${length}\r\n\r\n`), Buffer.from(body)]));
  }
  send(id: number | string, method: string, params?: unknown): void {
    this.frame(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
  }
  /** The next response matching `pred`, within `ms`. */
  async next(pred: (m: ResponseMessage) => boolean, ms = 10_000): Promise<ResponseMessage> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex((m) => 'id' in m && !('method' in m) && pred(m as ResponseMessage));
      if (i >= 0) return this.inbox.splice(i, 1)[0] as ResponseMessage;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no matching response in time');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }
  /** The next notification `method` whose params match `pred`, within `ms`. */
  async notification(method: string, pred: (params: { scanId: string; partial: boolean }) => boolean, ms: number): Promise<{ scanId: string; partial: boolean }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.inbox.find((m): m is NotificationMessage => 'method' in m && m.method === method && pred((m as NotificationMessage).params as { scanId: string; partial: boolean }));
      if (found) return found.params as { scanId: string; partial: boolean };
      if (Date.now() > deadline) throw new Error(`no ${method} in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  reply(id: number | string, ms?: number) {
    return this.next((m) => m.id === id, ms);
  }
  errorWithoutId(ms?: number) {
    return this.next((m) => m.id === null && m.error !== undefined, ms);
  }
  async close(): Promise<void> {
    this.child.stdin.end();
    await new Promise((r) => (this.child.exitCode !== null ? r(null) : this.child.once('exit', r)));
  }
}

describe('the helper over real stdio, in the lab scanner namespace', { skip, timeout: 300_000 }, () => {
  const dirs: string[] = [];
  const clients: HelperClient[] = [];
  const captureDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'portlab-helper-'));
    dirs.push(d);
    return d;
  };
  const helper = async () => {
    const c = await startHelper({ cliPath: CLI, captureDir: captureDir(), netns: NETNS });
    clients.push(c);
    return c;
  };

  // Two UDP scans back to back (helper, then CLI) would share the target's ICMP rate-limit bucket; this
  // test compares the two paths, not how the engine copes with the limit, so the target has none.
  before(async () => {
    await labUp(ID, { icmpRatelimitMs: 0 });
  });
  after(async () => {
    for (const c of clients) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await labDown(ID);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('a scan through the helper equals the same scan through the CLI --json', async () => {
    const client = await helper();
    const hello = await client.hello();
    assert.equal(hello.protocolVersion, PROTOCOL_VERSION);
    assert.equal(hello.netns, NETNS);
    assert.equal(hello.rawSockets, true);
    const ports: PortResult[] = [];
    let progress = 0;
    const viaHelper = await client.scan(VALID_SCAN, { port: (r) => ports.push(r), progress: () => progress++ });
    assert.equal(viaHelper.summary.partial, false);
    // The host and interface the scan ran from, for the report the client writes.
    assert.deepEqual(
      { kernel: viaHelper.summary.scanner?.kernel, iface: viaHelper.summary.scanner?.iface, address: viaHelper.summary.scanner?.address },
      { kernel: release(), iface: topo.scanner.iface, address: topo.scanner.address },
    );
    assert.deepEqual(statesOf(ports), statesOf(viaHelper.results));
    assert.ok(progress > 0, 'scan.progress events arrived');

    const { stdout } = await run('ip', ['netns', 'exec', NETNS, process.execPath, CLI, 'scan', TARGET, '-p', PORTS, '-sS', '-sX', '-sU', '--json'], { maxBuffer: 64 << 20 });
    const viaCli = JSON.parse(stdout) as ScanDocument;
    assert.deepEqual(statesOf(viaHelper.results), statesOf(viaCli.results));
    assert.ok(statesOf(viaHelper.results).includes('syn 22/tcp open syn-ack'));
    assert.ok(statesOf(viaHelper.results).includes('udp 69/udp closed port-unreach'));

    // captures: only under <captureDir>/<scanId>/, each 0600, readable by tshark
    assert.equal(viaHelper.captureDir, join(hello.captureDir, viaHelper.scanId));
    const files = readdirSync(viaHelper.captureDir).sort();
    assert.deepEqual(files, ['syn.pcap', 'udp.pcap', 'xmas.pcap']);
    for (const f of files) {
      assert.equal(statSync(join(viaHelper.captureDir, f)).mode & 0o777, 0o600, f);
      assert.ok((await tsharkFrames(join(viaHelper.captureDir, f))) > 0);
    }
    assert.equal(statSync(viaHelper.captureDir).mode & 0o777, 0o700);
    await client.close();
  });

  test('hostile input: each gets an error, the helper keeps serving, and a valid scan afterwards succeeds', async () => {
    const s = new RawSession(captureDir());
    try {
      // before hello, and with a wrong protocol version
      s.send(1, 'interfaces', {});
      assert.equal((await s.reply(1)).error?.code, RpcErrorCode.notInitialized);
      s.send(2, 'hello', { protocolVersion: PROTOCOL_VERSION + 1, client: 'test' });
      assert.match((await s.reply(2)).error?.message ?? '', /protocol version 2 is not supported.*speaks version 1/);
      s.send(3, 'hello', { protocolVersion: PROTOCOL_VERSION, client: 'test' });
      assert.equal((await s.reply(3)).result !== undefined, true);

      // not JSON, at the framing level and inside a frame
      s.write('this is not JSON-RPC at all\r\n\r\n');
      assert.equal((await s.errorWithoutId()).error?.code, -32700);
      s.frame('{"jsonrpc": "2.0", "id": 4, "method": ');
      assert.equal((await s.errorWithoutId()).error?.code, -32700);
      // wrong Content-Length: too long swallows the next request until the helper resyncs on it
      s.frame(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'interfaces' }), 400);
      s.send(6, 'interfaces', {});
      assert.match((await s.errorWithoutId(6000)).error?.message ?? '', /shorter than its Content-Length/);
      assert.ok(Array.isArray((await s.reply(6)).result));
      // a 10 MB message
      s.send(7, 'scan.start', { targets: [TARGET], ports: '1,'.repeat(5_000_000) + '2', techniques: ['syn'] });
      assert.match((await s.errorWithoutId()).error?.message ?? '', /larger than the limit/);
      // wrong types, out-of-range ports, unknown fields, positional params
      s.send(8, 'scan.start', { targets: TARGET, ports: 80, techniques: 'syn' });
      const wrongTypes = await s.reply(8);
      assert.equal(wrongTypes.error?.code, -32602);
      assert.match(wrongTypes.error?.message ?? '', /params\.targets/);
      s.send(9, 'scan.start', { targets: [TARGET], ports: '1-70000', techniques: ['syn'] });
      assert.match((await s.reply(9)).error?.message ?? '', /params\.ports: .*70000 is outside 1-65535/);
      s.send(10, 'scan.start', [TARGET, '80']);
      assert.equal((await s.reply(10)).error?.code, -32602);
      // a public target is refused before any packet (the namespace has no route there either)
      s.send(11, 'scan.start', { targets: ['8.8.8.8'], ports: '53', techniques: ['syn', 'udp'] });
      const publicTarget = await s.reply(11);
      assert.equal(publicTarget.error?.code, RpcErrorCode.userError);
      assert.match(publicTarget.error?.message ?? '', /params\.targets\[0\]: target 8\.8\.8\.8 is outside the lab ranges/);
      s.send(12, 'discover', { targets: '8.8.8.0/24' });
      assert.match((await s.reply(12)).error?.message ?? '', /outside the lab ranges/);
      // paths: no field takes one; a '..' anywhere is refused or names nothing
      s.send(13, 'scan.start', { ...VALID_SCAN, captureDir: '../../etc' });
      assert.match((await s.reply(13)).error?.message ?? '', /params: .*captureDir/);
      s.send(14, 'scan.start', { ...VALID_SCAN, iface: '../../etc' });
      assert.match((await s.reply(14)).error?.message ?? '', /params\.iface: not an interface name/);
      s.send(15, 'scan.cancel', { scanId: '../../etc/passwd' });
      assert.deepEqual((await s.reply(15)).result, { cancelled: false });
      // unknown methods, including inherited property names
      s.send(16, 'rm -rf /', {});
      assert.equal((await s.reply(16)).error?.code, -32601);
      s.send(17, '__proto__', {});
      assert.equal((await s.reply(17)).error?.code, -32601);
      s.send(18, 'constructor', {});
      assert.equal((await s.reply(18)).error?.code, -32601);

      // a flood: 1000 requests in one write, each answered
      const flood: Buffer[] = [];
      const kinds = ['nope', 'scan.start', 'scan.cancel', 'lab.status', 'hello'];
      for (let i = 0; i < 1000; i++) {
        const method = kinds[i % kinds.length]!;
        const params = method === 'hello' ? { protocolVersion: 'x' } : method === 'lab.status' ? { id: 999 } : method === 'scan.cancel' ? { scanId: `s${i}` } : { targets: [], ports: '' };
        const body = JSON.stringify({ jsonrpc: '2.0', id: 1000 + i, method, params });
        flood.push(Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
      }
      s.write(Buffer.concat(flood));
      for (let i = 0; i < 1000; i++) {
        const r = await s.reply(1000 + i, 30_000);
        assert.ok(r.error !== undefined || (r.result as { cancelled: boolean }).cancelled === false, `flood ${i}`);
      }

      // still alive and right: a valid scan
      s.send(20, 'scan.start', VALID_SCAN);
      const started = await s.reply(20);
      assert.ok(started.result, JSON.stringify(started.error));
      const scanId = (started.result as { scanId: string }).scanId;
      const done = await s.notification('scan.done', (p) => p.scanId === scanId, 60_000);
      assert.equal(done.partial, false);
      assert.equal(s.child.exitCode, null, 'the helper is still running');
    } finally {
      await s.close();
    }
    assert.equal(s.child.exitCode, 0, 'closing stdin ends the helper cleanly');
  });

  test('scans are bounded; scan.cancel gives partial results and a pcap tshark reads', async () => {
    const client = await helper();
    const scans = await Promise.all([1, 2, 3, 4].map(() => client.startScan(LONG_SCAN)));
    await assert.rejects(client.startScan(LONG_SCAN), (err: HelperRequestError) => err.code === RpcErrorCode.userError && /4 scans are already running/.test(err.message));
    for (const s of scans.slice(1)) assert.deepEqual(await client.cancelScan(s.scanId), { cancelled: true });
    for (const s of scans.slice(1)) await client.waitForScan(s.scanId);

    const first = scans[0]!;
    const ports: PortResult[] = [];
    const off = client.on('scan.port', (e) => e.scanId === first.scanId && ports.push(e.result));
    await waitUntil(() => ports.length >= 50, 30_000, '50 port results');
    assert.deepEqual(await client.cancelScan(first.scanId), { cancelled: true });
    const summary = await client.waitForScan(first.scanId);
    off();
    assert.equal(summary.partial, true);
    const decided = Object.values(summary.techniques[0]?.counts ?? {}).reduce((a, b) => a + b, 0);
    assert.ok(decided >= 50 && decided < 65535, `partial: ${decided} ports decided`);
    const frames = await tsharkFrames(join(first.captureDir, 'syn.pcap'));
    assert.ok(frames > 50, `${frames} frames in the cancelled scan's pcap`);
    await client.close();
  });

  test('SIGKILL of the helper mid-scan: the client gets a clear error and the pcap reads up to its last packet', async () => {
    const client = await helper();
    const { scanId, captureDir: dir } = await client.startScan(LONG_SCAN);
    let ports = 0;
    client.on('scan.port', () => ports++);
    await waitUntil(() => ports >= 50, 30_000, '50 port results');
    client.child.kill('SIGKILL');
    await assert.rejects(client.waitForScan(scanId), (err: Error) => err instanceof HelperGoneError && /killed by SIGKILL while scan scan-\w+ was running/.test(err.message));
    await assert.rejects(client.interfaces(), /killed by SIGKILL/);
    const frames = await tsharkFrames(join(dir, 'syn.pcap'));
    assert.ok(frames > 50, `${frames} frames readable after SIGKILL`);
  });
});
