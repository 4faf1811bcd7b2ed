import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { StreamMessageReader, type Message, type NotificationMessage, type ResponseMessage } from 'vscode-jsonrpc/node';
import { type HelperClient, HelperGoneMidScanError, type HelperRequestError, startHelper } from '../../src/helper/client';
import { parseProcStatus } from '../../src/base/proc-status';
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

const statesOf = (results: PortResult[]) => results.map((r) => `${r.technique} ${r.port}/${r.protocol} ${r.state} ${r.reason}`).sort();

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
  private readonly errors: Buffer[] = [];
  constructor(captureDir: string, extraArgs: string[] = []) {
    this.child = spawn('ip', ['netns', 'exec', NETNS, process.execPath, CLI, 'helper', '--capture-dir', captureDir, ...extraArgs]);
    this.child.stderr.on('data', (d: Buffer) => this.errors.push(d));
    new StreamMessageReader(this.child.stdout).listen((m) => {
      this.inbox.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  write(bytes: string | Buffer): void {
    this.child.stdin.write(bytes);
  }
  /** what the helper printed on stderr so far */
  stderr(): string {
    return Buffer.concat(this.errors).toString();
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
  async notification(
    method: string,
    pred: (params: { scanId: string; partial: boolean }) => boolean,
    ms: number,
  ): Promise<{ scanId: string; partial: boolean }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.inbox.find(
        (m): m is NotificationMessage =>
          'method' in m && m.method === method && pred((m as NotificationMessage).params as { scanId: string; partial: boolean }),
      );
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
  const helper = async (options: { lab?: boolean; captureDir?: string } = {}) => {
    const c = await startHelper({ cliPath: CLI, captureDir: options.captureDir ?? captureDir(), netns: NETNS, ...(options.lab ? { lab: true } : {}) });
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
    const viaHelper = await client.scan(VALID_SCAN, { ports: (batch) => ports.push(...batch), progress: () => progress++ }).finished;
    assert.equal(viaHelper.summary.partial, false);
    // The host and interface the scan ran from, for the report the client writes.
    assert.deepEqual(
      { kernel: viaHelper.summary.scanner?.kernel, iface: viaHelper.summary.scanner?.iface, address: viaHelper.summary.scanner?.address },
      { kernel: release(), iface: topo.scanner.iface, address: topo.scanner.address },
    );
    assert.deepEqual(statesOf(ports), statesOf(viaHelper.results));
    assert.ok(progress > 0, 'scan.progress events arrived');

    const { stdout } = await run('ip', ['netns', 'exec', NETNS, process.execPath, CLI, 'scan', TARGET, '-p', PORTS, '-sS', '-sX', '-sU', '--json'], {
      maxBuffer: 64 << 20,
    });
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
      assert.match(
        (await s.reply(2)).error?.message ?? '',
        new RegExp(`protocol version ${PROTOCOL_VERSION + 1} is not supported.*speaks version ${PROTOCOL_VERSION}`),
      );
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
        const params =
          method === 'hello'
            ? { protocolVersion: 'x' }
            : method === 'lab.status'
              ? { id: 999 }
              : method === 'scan.cancel'
                ? { scanId: `s${i}` }
                : { targets: [], ports: '' };
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
    const scans = [1, 2, 3, 4].map(() => client.scan(LONG_SCAN));
    const started = await Promise.all(scans.map((s) => s.started));
    await assert.rejects(
      client.scan(LONG_SCAN).started,
      (err: HelperRequestError) => err.code === RpcErrorCode.userError && /4 scans are already running/.test(err.message),
    );
    for (const s of started.slice(1)) assert.deepEqual(await client.request('scan.cancel', { scanId: s.scanId }), { cancelled: true });
    for (const s of scans.slice(1)) assert.equal((await s.finished).summary.partial, true);

    const first = scans[0]!;
    await waitUntil(() => first.results.length >= 50, 30_000, '50 port results');
    first.cancel();
    const { summary, results, captureDir: firstDir } = await first.finished;
    assert.equal(summary.partial, true);
    const decided = Object.values(summary.techniques[0]?.counts ?? {}).reduce((a, b) => a + b, 0);
    assert.ok(decided >= 50 && decided < 65535, `partial: ${decided} ports decided`);
    assert.equal(results.length, decided, 'the session holds every port the helper decided');
    const frames = await tsharkFrames(join(firstDir, 'syn.pcap'));
    assert.ok(frames > 50, `${frames} frames in the cancelled scan's pcap`);
    await client.close();
  });

  test('SIGKILL of the helper mid-scan: the client gets a clear error and the pcap reads up to its last packet', async () => {
    const client = await helper();
    const session = client.scan(LONG_SCAN);
    const { scanId, captureDir: dir } = await session.started;
    await waitUntil(() => session.results.length >= 50, 30_000, '50 port results');
    client.child.kill('SIGKILL');
    await assert.rejects(
      session.finished,
      (err: Error) =>
        err instanceof HelperGoneMidScanError &&
        err.scanId === scanId &&
        err.results.length >= 50 &&
        /killed by SIGKILL while scan scan-\w+ was running/.test(err.message),
    );
    await assert.rejects(client.interfaces(), /killed by SIGKILL/);
    const frames = await tsharkFrames(join(dir, 'syn.pcap'));
    assert.ok(frames > 50, `${frames} frames readable after SIGKILL`);
  });

  test('a scan helper keeps only CAP_NET_RAW, can gain nothing, and still scans right; the lab helper keeps root and scans nothing', async () => {
    const statusOf = (pid: number) => parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
    const NET_RAW = 1n << 13n;
    const scanHelper = await helper();
    const hello = await scanHelper.hello();
    const confined = statusOf(hello.pid);
    assert.deepEqual(
      { uid: confined.uid, capEff: confined.capEff, capPrm: confined.capPrm, capBnd: confined.capBnd, noNewPrivs: confined.noNewPrivs },
      { uid: 0, capEff: NET_RAW, capPrm: NET_RAW, capBnd: NET_RAW, noNewPrivs: true },
    );
    const syn = await scanHelper.scan({ targets: [TARGET], ports: PORTS, techniques: ['syn'] }).finished;
    assert.deepEqual(statesOf(syn.results), [
      'syn 110/tcp filtered admin-prohibited',
      'syn 123/tcp closed reset',
      'syn 22/tcp open syn-ack',
      'syn 23/tcp closed reset',
      'syn 25/tcp filtered no-response',
      'syn 443/tcp closed reset',
      'syn 53/tcp open syn-ack',
      'syn 69/tcp closed reset',
      'syn 7/tcp closed reset',
      'syn 80/tcp open syn-ack',
    ]);
    await assert.rejects(
      scanHelper.labStatus(ID),
      (err: HelperRequestError) => err.code === RpcErrorCode.wrongRole && /the lab is managed by a helper started with --lab/.test(err.message),
    );
    await scanHelper.close();

    // Asked for by a student through sudo: the helper becomes that student, and its captures are theirs.
    const studentDir = captureDir();
    chownSync(studentDir, 65534, 65534);
    const before = { uid: process.env.SUDO_UID, gid: process.env.SUDO_GID };
    process.env.SUDO_UID = '65534';
    process.env.SUDO_GID = '65534';
    let student: HelperClient;
    try {
      student = await helper({ captureDir: studentDir });
    } finally {
      for (const [k, v] of [
        ['SUDO_UID', before.uid],
        ['SUDO_GID', before.gid],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
    const asStudent = statusOf((await student.hello()).pid);
    assert.deepEqual([asStudent.uid, asStudent.capEff, asStudent.capBnd, asStudent.noNewPrivs], [65534, NET_RAW, NET_RAW, true]);
    const udp = await student.scan({ targets: [TARGET], ports: '7,69', techniques: ['syn', 'udp'] }).finished;
    assert.ok(
      statesOf(udp.results).includes('udp 69/udp closed port-unreach') && statesOf(udp.results).includes('syn 7/tcp closed reset'),
      statesOf(udp.results).join(', '),
    );
    for (const f of ['', 'syn.pcap', 'udp.pcap']) assert.equal(statSync(join(udp.captureDir, f)).uid, 65534, `${f || 'the scan directory'} is the student's`);
    await student.close();

    const labHelper = await helper({ lab: true });
    const labHello = await labHelper.hello();
    const root = statusOf(labHello.pid);
    assert.equal(labHello.pid, labHelper.child.pid, 'the lab helper is not re-executed');
    assert.deepEqual([root.uid, root.noNewPrivs, root.capBnd === statusOf(process.pid).capBnd], [0, false, true]);
    assert.equal((await labHelper.labStatus(ID)).up, true);
    await assert.rejects(
      labHelper.scan(VALID_SCAN).finished,
      (err: HelperRequestError) => err.code === RpcErrorCode.wrongRole && /runs no scan/.test(err.message),
    );
    await labHelper.close();
  });

  test('errors name the request field: interface, source addresses, discover targets and scope, before anything is sent', async () => {
    const s = new RawSession(captureDir(), ['--allow-target', '203.0.113.0/24']);
    try {
      s.send(1, 'hello', { protocolVersion: PROTOCOL_VERSION, client: 'fields' });
      assert.ok((await s.reply(1)).result);
      const cases: [string, unknown, RegExp][] = [
        ['scan.start', { ...VALID_SCAN, iface: 'nosuch0' }, /^params\.iface: interface "nosuch0" does not exist/],
        [
          'scan.start',
          { ...VALID_SCAN, techniques: ['syn'], sourceIps: '10.9.9.9' },
          new RegExp(`^params\\.sourceIps: 10\\.9\\.9\\.9 is not on ${topo.scanner.iface}'s subnet \\(198\\.18\\.30\\.0/24\\)$`),
        ],
        ['scan.start', { ...VALID_SCAN, techniques: ['syn'], sourceIps: topo.scanner.address }, /^params\.sourceIps: 198\.18\.30\.\d+ is \S+'s own address/],
        [
          'scan.start',
          { ...VALID_SCAN, allowTargets: ['203.0.0.0/16'] },
          /^params\.allowTargets\[0\]: 203\.0\.0\.0\/16 is outside the ranges this helper was started with \(203\.0\.113\.0\/24\)/,
        ],
        ['discover', { targets: '198.18.30.0/33' }, /^params\.targets: "198\.18\.30\.0\/33" is not an IPv4 CIDR/],
        ['discover', { targets: '198.18.30.0/24', iface: 'nosuch0' }, /^params\.iface: interface "nosuch0" does not exist/],
        ['discover', { targets: '198.18.30.0/24', allowTargets: ['nonsense'] }, /^params\.allowTargets\[0\]: bad --allow-target "nonsense"/],
        ['discover', { targets: '203.0.114.0/30', allowTargets: ['203.0.113.0/24'] }, /^params\.targets: target 203\.0\.114\.1 is outside the lab ranges/],
        ['discover', { targets: '198.18.0.0/16' }, /^params\.targets: no route to 198\.18\.0\.1/],
      ];
      for (const [i, [method, params, expected]] of cases.entries()) {
        s.send(10 + i, method, params);
        const r = await s.reply(10 + i);
        assert.equal(r.error?.code, RpcErrorCode.userError, `${method} ${JSON.stringify(params)}: ${JSON.stringify(r)}`);
        assert.match(r.error?.message ?? '', expected);
        assert.doesNotMatch(r.error?.message ?? '', /--source-ips/);
      }
      // inside the launch range, the request's range is taken
      s.send(30, 'discover', { targets: '203.0.113.0/30', allowTargets: ['203.0.113.0/25'] });
      assert.match((await s.reply(30)).error?.message ?? '', /^params\.targets: no route to 203\.0\.113\.1/);
    } finally {
      await s.close();
    }
  });

  test('a discover counts against the scan limit, stops on $/cancelRequest, and when the client goes', async () => {
    const s = new RawSession(captureDir());
    try {
      s.send(1, 'hello', { protocolVersion: PROTOCOL_VERSION, client: 'discover' });
      assert.ok((await s.reply(1)).result);
      // a cancel without an id is bad input, not the end of the helper
      s.frame(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest' }));
      assert.match((await s.errorWithoutId()).error?.message ?? '', /\$\/cancelRequest needs params \{ id \}/);
      for (const id of [3, 4, 5]) s.send(id, 'scan.start', LONG_SCAN);
      for (const id of [3, 4, 5]) assert.ok((await s.reply(id)).result, `scan ${id} started`);
      s.send(2, 'discover', { targets: `198.18.${ID}.0/24` });
      s.send(6, 'scan.start', LONG_SCAN);
      assert.match((await s.reply(6)).error?.message ?? '', /4 scans are already running \(host discoveries count as scans\)/);
      s.frame(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 2 } }));
      const cancelled = await s.reply(2);
      // an error, not the hosts: the sweep was stopped before its end (a finished one answers with its list)
      assert.match(cancelled.error?.message ?? '', /discover of 198\.18\.30\.0\/24 was cancelled/);
      s.send(7, 'scan.start', LONG_SCAN);
      assert.ok((await s.reply(7)).result, 'the discover gave its slot back');
      s.send(8, 'discover', { targets: `198.18.${ID}.0/24` });
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      const closing = Date.now();
      await s.close();
      assert.ok(Date.now() - closing < 4000, `the helper left within its shutdown grace, in ${Date.now() - closing} ms`);
    }
    assert.equal(s.child.exitCode, 0, `the helper's stderr: ${s.stderr()}`);
  });
});
