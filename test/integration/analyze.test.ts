// Root: `portlab analyze` of nmap's own scans of lab 79, captured by tcpdump on every interface of the
// scanner namespace and saved as pcapng by editcap, gives nmap's answer (its -oX state and reason) for
// every port, with the technique nmap used.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LAB_TRUTH, labTopology } from '../../src/lab';
import { CaptureAnalysisDocument, type Technique } from '../../src/protocol';
import { NMAP_FLAG } from '../../src/technique';
import { parseNmapXml } from '../../src/report/nmap';
import { buildCli, CLI } from './scan-support';

const run = promisify(execFile);
const LAB_ID = 79;
const topo = labTopology(LAB_ID);
const TARGET = topo.target.address;
const PORTS = { tcp: LAB_TRUTH.filter((p) => p.protocol === 'tcp').map((p) => p.port), udp: LAB_TRUTH.filter((p) => p.protocol === 'udp').map((p) => p.port) };
/** Every command of the test is bounded, so that a hung scan fails it instead of blocking the suite. */
const LIMIT_MS = 120_000;

const dir = mkdtempSync(join(tmpdir(), 'portlab-analyze-lab-'));
const capturers = new Set<ChildProcess>();

before(async () => {
  await buildCli();
  await run(process.execPath, [CLI, 'lab', 'up', '--id', String(LAB_ID)], { timeout: LIMIT_MS });
});

after(async () => {
  for (const capturer of capturers) capturer.kill('SIGKILL');
  await run(process.execPath, [CLI, 'lab', 'down', '--id', String(LAB_ID)], { timeout: LIMIT_MS }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** tcpdump on every interface of the scanner namespace, running once it says it listens. */
async function startCapture(file: string): Promise<ChildProcess> {
  const capturer = spawn('ip', ['netns', 'exec', topo.scanner.namespace, 'tcpdump', '-U', '-i', 'any', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  capturers.add(capturer);
  await new Promise<void>((listening, failed) => {
    let said = '';
    const timer = setTimeout(() => failed(new Error(`tcpdump did not start: ${said}`)), 10_000);
    capturer.stderr!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes('listening on')) {
        clearTimeout(timer);
        listening();
      }
    });
    capturer.on('exit', (code) => failed(new Error(`tcpdump exited (${code}): ${said}`)));
  });
  return capturer;
}

async function stopCapture(capturer: ChildProcess): Promise<void> {
  const exited = new Promise((done) => capturer.once('exit', done));
  capturer.kill('SIGINT');
  await exited;
  capturers.delete(capturer);
}

const CASES: [Technique, number[]][] = [
  ['syn', PORTS.tcp],
  ['connect', PORTS.tcp],
  ['fin', PORTS.tcp],
  ['xmas', PORTS.tcp],
  ['null', PORTS.tcp],
  ['udp', PORTS.udp],
];

for (const [technique, ports] of CASES) {
  const flag = `-s${NMAP_FLAG[technique]}`;
  test(`analyze of nmap ${flag} of the lab, captured into pcapng, agrees with nmap's XML port by port`, { timeout: 3 * LIMIT_MS }, async () => {
    const pcap = join(dir, `${technique}.pcap`);
    const pcapng = join(dir, `${technique}.pcapng`);
    const xml = join(dir, `${technique}.xml`);
    const capturer = await startCapture(pcap);
    await run('ip', ['netns', 'exec', topo.scanner.namespace, 'nmap', flag, '-Pn', '-n', '--reason', '-p', ports.join(','), '-oX', xml, TARGET], {
      timeout: LIMIT_MS,
    });
    // the last answers and the scanner kernel's replies to them
    await new Promise((done) => setTimeout(done, 500));
    await stopCapture(capturer);
    await run('editcap', ['-F', 'pcapng', pcap, pcapng], { timeout: LIMIT_MS });

    const { stdout } = await run(process.execPath, [CLI, 'analyze', pcapng, '--json'], { timeout: LIMIT_MS, maxBuffer: 64 << 20 });
    const doc = CaptureAnalysisDocument.parse(JSON.parse(stdout));
    assert.equal(doc.format, 'pcapng');
    const nmap = parseNmapXml(readFileSync(xml, 'utf8'));
    assert.ok(nmap, 'nmap wrote no XML');
    for (const port of ports) {
      const answers = doc.exchanges.filter((e) => e.target === TARGET && e.port === port);
      assert.equal(answers.length, 1, `port ${port}: ${answers.length} exchanges`);
      const [e] = answers;
      const expected = nmap.ports.get(`${TARGET}:${port}`);
      assert.equal(e!.technique, technique, `port ${port}`);
      assert.deepEqual([e!.state, e!.reason], [expected?.state, expected?.reason], `port ${port}: ${e!.observed}`);
    }
    assert.equal(doc.exchanges.length, ports.length, doc.exchanges.map((e) => `${e.port} ${e.observed}`).join('; '));
  });
}
