import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HelperGoneMidScanError, startHelper } from '../../src/helper/client';
import { labDown, labRulesets, labUp } from '../../src/lab';
import type { ScanDocument } from '../../src/protocol';
import {
  CLI,
  collect,
  exitOf,
  gone,
  hostRuleset,
  leftovers,
  netnsPids,
  rootSkip,
  run,
  scannerRuleset,
  sleep,
  spawnCli,
  topologyOf,
  tsharkFrames,
} from '../support/lab-env';

/**
 * Faults in the middle of a full-range SYN scan of lab 61 (issue 7, item 3). Each must end with a clear
 * one-line error or results marked partial, a pcap tshark reads, and nothing left behind: no namespace,
 * no process it started, no nft rule in the scanner or the host.
 */
const ID = 61;
const topo = topologyOf(ID);
const TARGET = topo.target.address;
/** ~16 s uninterrupted: long enough that every fault lands mid-scan. */
const LONG = ['scan', TARGET, '-p', '-', '-sS', '--rate', '4000', '--json'];
/** What the CLI prints for an error: `portlab: <one line>`, never a stack trace or a native assertion. */
const ONE_LINE_ERROR = /^portlab: [^\n]+\n$/;

let faults = 0;
const work = mkdtempSync(join(tmpdir(), 'portlab-fault-'));
let hostRulesBefore = '';

/** Waits until the scan's pcap holds some traffic: the fault then hits a scan in full flight. */
async function untilCapturing(pcap: string, ended: () => string | undefined = () => undefined, minBytes = 100_000, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (existsSync(pcap) && statSync(pcap).size >= minBytes) return;
    const why = ended();
    if (why !== undefined) throw new Error(`the scan ended before the fault: ${why}`);
    await sleep(50);
  }
  throw new Error(`${pcap} did not reach ${minBytes} bytes in ${ms} ms`);
}

/** Builds lab 61, runs `body`, then tears everything down and asserts nothing is left. */
async function withLab(name: string, body: (pids: number[]) => Promise<void>): Promise<void> {
  await labUp(ID);
  const pids: number[] = [];
  const dir = join(work, name);
  mkdirSync(dir);
  try {
    await body(pids);
    if ((await netnsPids(topo.scanner.namespace)).length === 0 && existsSync(`/run/netns/${topo.scanner.namespace}`))
      assert.equal(
        await scannerRuleset(topo),
        labRulesets(topo).get(topo.scanner.namespace)!.trim(),
        "no nft rule left in the scanner namespace beyond the lab's own",
      );
  } finally {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone, as it should be
      }
    }
    await labDown(ID);
  }
  assert.deepEqual(await leftovers(ID, pids, dir), [], 'nothing left behind');
  assert.equal(await hostRuleset(), hostRulesBefore, "the host's nft ruleset is unchanged");
}

/**
 * SYN then FIN of 20,000 ports (~5 s each): a fault during the SYN scan hits a run with a technique still to come,
 * whose capture must then be created in the broken directory.
 */
const TWO_TECHNIQUES = ['scan', TARGET, '-p', '1-20000', '-sS', '-sF', '--rate', '4000', '--json'];

/** Runs the long CLI scan (or `args`) into `out`, injects `fault` once capturing, and returns what the user sees. */
async function cliScanWithFault(out: string, pids: number[], fault: () => Promise<void>, args = LONG) {
  const child = spawnCli(topo, [...args, '--out', out]);
  pids.push(child.pid!);
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  await untilCapturing(join(out, 'syn.pcap'), () =>
    child.exitCode !== null || child.signalCode !== null ? `exit ${child.exitCode ?? child.signalCode}: ${stderr()}` : undefined,
  );
  await fault();
  faults++;
  const exit = await exitOf(child, 60_000);
  return { exit, stdout: stdout(), stderr: stderr() };
}

/** The CLI ended cleanly: a one-line error, or a JSON document whose summary says partial or not. */
function assertClearEnd(r: { exit: { code: number | null; signal: string | null }; stdout: string; stderr: string }): ScanDocument | undefined {
  assert.equal(r.exit.signal, null, `the scan was not killed by a signal (stderr: ${r.stderr.slice(0, 300)})`);
  assert.doesNotMatch(r.stderr, /Assertion|\n\s+at /, 'no native assertion, no stack trace');
  if (r.exit.code === 2) {
    assert.match(r.stderr, ONE_LINE_ERROR);
    return undefined;
  }
  const doc = JSON.parse(r.stdout) as ScanDocument;
  assert.equal(r.exit.code, doc.summary?.partial ? 130 : 0);
  return doc;
}

/** A lost link ends the scan with one error line (exit 2), partial results printed and saved. */
function assertLinkLost(r: Awaited<ReturnType<typeof cliScanWithFault>>, out: string, why: RegExp): void {
  assert.equal(assertClearEnd(r), undefined, `exit 2 with one error line (exit ${r.exit.code}, stderr: ${r.stderr.slice(0, 300)})`);
  assert.match(r.stderr, why);
  assert.match(r.stderr, /the results are partial, saved in /);
  for (const doc of [JSON.parse(r.stdout), JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))] as ScanDocument[]) {
    assert.equal(doc.summary?.partial, true, 'ports never answered because the link vanished are not reported as decided');
    assert.match(doc.summary?.error ?? '', why);
    assert.ok(doc.results.length > 0 && doc.results.length < 65535, `${doc.results.length} ports decided before the fault`);
  }
}

describe('faults mid-scan, lab 61', { skip: rootSkip, timeout: 300_000 }, () => {
  before(async () => {
    hostRulesBefore = await hostRuleset();
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
    process.stdout.write(`# faults injected: ${faults}\n`);
  });

  test("the switch namespace deleted, and with it the scanner's veth pair", () =>
    withLab('switch-deleted', async (pids) => {
      const out = join(work, 'switch-deleted', 'out');
      // The scanner's veth ends on the switch: deleting the switch's namespace removes the pair.
      const r = await cliScanWithFault(out, pids, async () => {
        await run('ip', ['netns', 'delete', topo.segment.namespace]);
      });
      assertLinkLost(r, out, new RegExp(`interface ${topo.scanner.iface} (went down|was removed) during the scan`));
      assert.ok((await tsharkFrames(join(out, 'syn.pcap'))) > 100);
    }));

  test("the scanner's interface set down", () =>
    withLab('iface-down', async (pids) => {
      const out = join(work, 'iface-down', 'out');
      const r = await cliScanWithFault(out, pids, () =>
        run('ip', ['-n', topo.scanner.namespace, 'link', 'set', topo.scanner.iface, 'down']).then(() => undefined),
      );
      assertLinkLost(r, out, new RegExp(`interface ${topo.scanner.iface} went down during the scan`));
      assert.ok((await tsharkFrames(join(out, 'syn.pcap'))) > 100);
    }));

  test('the capture directory removed', () =>
    withLab('dir-removed', async (pids) => {
      const out = join(work, 'dir-removed', 'out');
      const r = await cliScanWithFault(out, pids, async () => rmSync(out, { recursive: true, force: true }));
      assert.equal(assertClearEnd(r), undefined, 'exit 2 with one error line');
      assert.match(r.stderr, /cannot save the results \(ENOENT[^)]*results\.json'\); they are on stdout\n$/);
      assert.equal((JSON.parse(r.stdout) as ScanDocument).results.length, 65535, 'the results still reach the user');
      assert.equal(existsSync(out), false, 'nothing recreated the removed directory behind the user');
    }));

  test('the disk full (a 256 KiB tmpfs)', () =>
    withLab('disk-full', async (pids) => {
      const mnt = join(work, 'disk-full', 'mnt');
      mkdirSync(mnt);
      await run('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'portlab-fault', mnt]);
      try {
        const r = await cliScanWithFault(mnt, pids, async () => undefined);
        assert.equal(assertClearEnd(r), undefined, 'exit 2 with one error line');
        assert.match(r.stderr, new RegExp(`cannot save the results \\(ENOSPC[^)]*\\); they are on stdout, the captures in ${mnt}/syn\\.pcap\\n$`));
        const doc = JSON.parse(r.stdout) as ScanDocument;
        assert.match(doc.summary?.techniques[0]?.note ?? '', /^the capture stopped: ENOSPC/, 'the summary says the capture stopped');
        assert.equal(doc.results.length, 65535, 'the scan itself went on: every port decided');
        // whole records only, up to the last one that fitted
        assert.ok((await tsharkFrames(join(mnt, 'syn.pcap'))) > 100);
      } finally {
        await run('umount', [mnt]);
      }
    }));

  /**
   * A SYN then FIN scan whose FIN capture cannot be created: the SYN results and summary stay, FIN runs
   * without a capture (as nmap keeps scanning when it cannot write its output) and says so.
   */
  function assertFinWithoutCapture(r: Awaited<ReturnType<typeof cliScanWithFault>>, out: string, code: string): ScanDocument {
    assert.equal(assertClearEnd(r), undefined, `exit 2 with one error line (exit ${r.exit.code}, stderr: ${r.stderr.slice(0, 300)})`);
    assert.match(r.stderr, new RegExp(`cannot save the results \\(${code}[^)]*\\); they are on stdout`));
    assert.match(r.stderr, new RegExp(`; fin scan ran without a capture: cannot create ${out}/fin\\.pcap: ${code}`));
    const doc = JSON.parse(r.stdout) as ScanDocument;
    assert.deepEqual(
      doc.summary?.techniques.map((t) => t.technique),
      ['syn', 'fin'],
      'the finished SYN scan keeps its summary',
    );
    const [syn, fin] = doc.summary!.techniques;
    assert.equal(syn!.capture, join(out, 'syn.pcap'));
    assert.equal(fin!.capture, undefined, 'no capture is named that does not exist');
    assert.match(fin!.note ?? '', new RegExp(`ran without a capture: cannot create ${out}/fin\\.pcap: ${code}`));
    for (const technique of ['syn', 'fin'] as const)
      assert.equal(doc.results.filter((p) => p.technique === technique).length, 20_000, `every ${technique} port decided`);
    assert.equal(doc.summary?.partial, false, 'nothing is missing but the FIN capture');
    const state = (technique: string, port: number) => doc.results.find((p) => p.technique === technique && p.port === port)?.state;
    assert.deepEqual([state('syn', 22), state('syn', 23), state('fin', 22), state('fin', 23)], ['open', 'closed', 'open|filtered', 'closed']);
    assert.equal(existsSync(join(out, 'fin.pcap')), false, 'no header-less fin.pcap left behind');
    return doc;
  }

  test('-sS -sF, the capture directory removed during SYN: SYN results kept, FIN runs without a capture', () =>
    withLab('dir-removed-two', async (pids) => {
      const out = join(work, 'dir-removed-two', 'out');
      const r = await cliScanWithFault(out, pids, async () => rmSync(out, { recursive: true, force: true }), TWO_TECHNIQUES);
      assertFinWithoutCapture(r, out, 'ENOENT');
      assert.equal(existsSync(out), false, 'nothing recreated the removed directory behind the user');
    }));

  test('-sS -sF, the disk full (a 256 KiB tmpfs) during SYN: SYN results kept, no empty fin.pcap', () =>
    withLab('disk-full-two', async (pids) => {
      const mnt = join(work, 'disk-full-two', 'mnt');
      mkdirSync(mnt);
      await run('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'portlab-fault', mnt]);
      try {
        const r = await cliScanWithFault(mnt, pids, async () => undefined, TWO_TECHNIQUES);
        const doc = assertFinWithoutCapture(r, mnt, 'ENOSPC');
        assert.match(doc.summary?.techniques[0]?.note ?? '', /^the capture stopped: ENOSPC/);
        assert.ok((await tsharkFrames(join(mnt, 'syn.pcap'))) > 100);
      } finally {
        await run('umount', [mnt]);
      }
    }));

  test('-sS -sF through the helper, the capture directory removed during SYN: scan.done keeps the SYN summary', () =>
    withLab('helper-dir-removed', async (pids) => {
      const captureDir = join(work, 'helper-dir-removed', 'captures');
      const client = await startHelper({ cliPath: CLI, captureDir, netns: topo.scanner.namespace });
      pids.push(client.child.pid!);
      try {
        const session = client.scan({ targets: [TARGET], ports: '1-20000', techniques: ['syn', 'fin'], rate: 4000 });
        const { captureDir: dir } = await session.started;
        await untilCapturing(join(dir, 'syn.pcap'));
        rmSync(dir, { recursive: true, force: true });
        faults++;
        const { summary } = await session.finished;
        assert.deepEqual(
          summary.techniques.map((t) => [t.technique, Object.values(t.counts).reduce((a, b) => a + b, 0)]),
          [
            ['syn', 20_000],
            ['fin', 20_000],
          ],
        );
        assert.equal(summary.partial, false);
        assert.match(summary.techniques[1]!.note ?? '', /ran without a capture: cannot create .*fin\.pcap: ENOENT/);
      } finally {
        await client.close(2000);
      }
    }));

  for (const signal of ['SIGTERM', 'SIGKILL'] as const)
    test(`the helper sent ${signal}`, () =>
      withLab(`helper-${signal}`, async (pids) => {
        const captureDir = join(work, `helper-${signal}`, 'captures');
        const client = await startHelper({ cliPath: CLI, captureDir, netns: topo.scanner.namespace });
        pids.push(client.child.pid!);
        try {
          const session = client.scan({ targets: [TARGET], ports: '1-65535', techniques: ['syn'], rate: 4000 });
          const { scanId, captureDir: dir } = await session.started;
          await untilCapturing(join(dir, 'syn.pcap'));
          client.child.kill(signal);
          faults++;
          await assert.rejects(
            session.finished,
            (err: Error) => err instanceof HelperGoneMidScanError && new RegExp(`killed by ${signal} while scan ${scanId}`).test(err.message),
          );
          assert.ok((await tsharkFrames(join(dir, 'syn.pcap'))) > 100);
        } finally {
          await client.close(2000);
        }
      }));

  test('the CLI interrupted (SIGINT): partial results marked partial, a valid pcap', () =>
    withLab('cli-sigint', async (pids) => {
      const out = join(work, 'cli-sigint', 'out');
      const r = await cliScanWithFault(out, pids, async () => void process.kill(pids[0]!, 'SIGINT'));
      const doc = assertClearEnd(r);
      assert.ok(doc, 'an interrupted scan still prints its document');
      assert.equal(doc.summary?.partial, true);
      assert.ok(doc.results.length > 0 && doc.results.length < 65535, `${doc.results.length} ports decided`);
      const saved = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ScanDocument;
      assert.equal(saved.summary?.partial, true);
      assert.ok((await tsharkFrames(join(out, 'syn.pcap'))) > 100);
    }));

  test('the CLI killed (SIGKILL): the pcap reads up to its last flush', () =>
    withLab('cli-sigkill', async (pids) => {
      const out = join(work, 'cli-sigkill', 'out');
      const r = await cliScanWithFault(out, pids, async () => void process.kill(pids[0]!, 'SIGKILL'));
      assert.equal(r.exit.signal, 'SIGKILL');
      assert.ok((await tsharkFrames(join(out, 'syn.pcap'))) > 100);
    }));

  test("the helper's parent killed: the helper stops its scan and exits", () =>
    withLab('parent-killed', async (pids) => {
      const captureDir = join(work, 'parent-killed', 'captures');
      const parent = spawn(
        process.execPath,
        ['--import', 'tsx', resolve(__dirname, '..', 'support', 'helper-parent.ts'), CLI, topo.scanner.namespace, captureDir, TARGET],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      pids.push(parent.pid!);
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('helper-parent did not start a scan')), 20_000);
        let text = '';
        parent.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('\n')) {
            clearTimeout(timer);
            resolve(text.split('\n')[0]!);
          }
        });
      });
      const { helperPid, captureDir: dir } = JSON.parse(line) as { helperPid: number; captureDir: string };
      pids.push(helperPid);
      await untilCapturing(join(dir, 'syn.pcap'));
      parent.kill('SIGKILL');
      faults++;
      assert.ok(await gone(helperPid, 8000), 'the helper exited after its parent died (stdin closed)');
      assert.ok((await tsharkFrames(join(dir, 'syn.pcap'))) > 100);
    }));
});
