import { execFile, type ExecFileException } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { readPcap } from '../../src/wire/pcap';
import { labDown, labStatus, labTopology, labUp } from '../../src/lab';
import { formatExchange, ScanDocument, type DiscoveredHost, type PortResult } from '../../src/protocol';
import { buildCli, CLI, ROOT } from './scan-support';

/**
 * The CLI run by an unprivileged user (nobody, no capabilities) gets raw scans and discovery from a
 * real helper started by real `sudo -n`, allowed by a temporary sudoers rule for exactly that helper.
 */
const run = promisify(execFile);
const NOBODY = 65534;
const LAB_ID = 67;
const topo = labTopology(LAB_ID);
const skip =
  process.getuid?.() !== 0 ? 'needs root (sudoers, setpriv, network namespaces)' : !existsSync('/usr/bin/sudo') ? 'needs sudo (apt install sudo)' : false;
const SUDOERS = `/etc/sudoers.d/portlab-test-${process.pid}`;
const LIMIT_MS = 120_000;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs argv, as nobody when asked (setpriv: no groups, no capabilities), and returns how it ended. */
async function runAs(user: 'root' | 'nobody', argv: string[], env: NodeJS.ProcessEnv = {}, netns?: string, cwd = tmpdir()): Promise<Ran> {
  const asNobody = user === 'nobody' ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--inh-caps=-all', '--'] : [];
  const full = [...(netns ? ['ip', 'netns', 'exec', netns] : []), ...asNobody, ...argv];
  try {
    const { stdout, stderr } = await run(full[0]!, full.slice(1), { cwd, env: { PATH: process.env.PATH, ...env }, timeout: LIMIT_MS, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as ExecFileException & { stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Installs one sudoers rule after visudo has checked it: a broken file would lock sudo for everyone. */
async function installRule(rule: string): Promise<void> {
  const draft = `${tmpdir()}/portlab-sudoers-${process.pid}`;
  writeFileSync(draft, `${rule}\n`, { mode: 0o440 });
  try {
    await run('visudo', ['-c', '-q', '-f', draft]);
    copyFileSync(draft, SUDOERS);
    chmodSync(SUDOERS, 0o440);
  } finally {
    rmSync(draft, { force: true });
  }
}

/**
 * A rule an administrator could write for exactly this helper. PortLab never offers one for a file the
 * user can write (the fix it prints is `setup-privileges`, tested in sudo-student); the test writes it to
 * reach the helper through real `sudo -n` with nothing else changed.
 */
function ruleFor(node: string, captureDir: string): string {
  return `nobody ALL=(root) NOPASSWD: ${node} ${CLI} helper --capture-dir ${captureDir}`;
}

const essence = (r: PortResult) => [r.technique, r.target, r.port, r.protocol, r.state, r.reason, r.service, formatExchange(r.exchange)];

describe('the CLI without CAP_NET_RAW runs raw scans and discovery through the helper (sudo -n)', { skip, timeout: 4 * LIMIT_MS }, () => {
  const home = mkdtempSync(join(tmpdir(), 'portlab-nobody-'));
  const nobodyEnv = { HOME: home };
  const captureRoot = join(home, '.cache', 'portlab', 'helper-captures');
  let listener: Server;
  let openPort = 0;
  let closedPort = 0;

  before(async () => {
    await buildCli();
    chownSync(home, NOBODY, NOBODY);
    listener = createServer((c) => c.on('error', () => undefined).end());
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    openPort = (listener.address() as AddressInfo).port;
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
  });
  after(() => {
    rmSync(SUDOERS, { force: true });
    listener?.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('without a terminal or a sudoers rule: one line on stderr naming setup-privileges, then setcap cap_net_raw only, exit 2', async () => {
    const ran = await runAs('nobody', [process.execPath, CLI, 'scan', '127.0.0.1', '-p', String(closedPort), '-sS'], nobodyEnv);
    assert.equal(ran.code, 2, ran.stderr);
    assert.equal(ran.stdout, '');
    assert.equal(ran.stderr.trim().split('\n').length, 1, ran.stderr);
    assert.match(ran.stderr, /^portlab: sudo needs your password/);
    const setup = ran.stderr.indexOf('setup-privileges');
    const setcap = ran.stderr.indexOf(`sudo setcap cap_net_raw+ep ${process.execPath}`);
    assert.ok(setup > 0 && setcap > setup, `setup-privileges first, setcap second: ${ran.stderr}`);
    assert.doesNotMatch(ran.stderr, /cap_net_admin|NOPASSWD|sudo -v/);
  });

  test("through sudo -n: a SYN scan of 127.0.0.1 equals the in-process scan, and the pcap is the user's", async () => {
    await installRule(ruleFor(process.execPath, captureRoot));
    try {
      const outDir = join(home, 'out');
      const ports = `${openPort},${closedPort}`;
      const viaHelper = await runAs(
        'nobody',
        [
          process.execPath,
          CLI,
          'scan',
          '127.0.0.1',
          '-p',
          ports,
          '-sS',
          '--json',
          '--out',
          outDir,
          '-oX',
          join(home, 'scan.xml'),
          '-oN',
          join(home, 'scan.txt'),
        ],
        nobodyEnv,
      );
      assert.equal(viaHelper.code, 0, viaHelper.stderr);
      const inProcessDir = mkdtempSync(join(tmpdir(), 'portlab-root-scan-'));
      try {
        const inProcess = await runAs('root', [process.execPath, CLI, 'scan', '127.0.0.1', '-p', ports, '-sS', '--json', '--out', inProcessDir]);
        assert.equal(inProcess.code, 0, inProcess.stderr);
        const mine = ScanDocument.parse(JSON.parse(viaHelper.stdout));
        const reference = ScanDocument.parse(JSON.parse(inProcess.stdout));
        assert.deepEqual(mine.results.map(essence), reference.results.map(essence));
        assert.deepEqual(
          mine.results.map((r) => [r.port, r.state, r.reason]),
          [
            [openPort, 'open', 'syn-ack'],
            [closedPort, 'closed', 'reset'],
          ],
        );
        assert.deepEqual(
          mine.summary?.techniques.map((t) => [t.technique, t.counts.open, t.counts.closed, t.capture]),
          [['syn', 1, 1, join(outDir, 'syn.pcap')]],
        );
        assert.deepEqual(readdirSync(outDir).sort(), readdirSync(inProcessDir).sort());
        const saved = ScanDocument.parse(JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')));
        assert.deepEqual(saved.results, mine.results);
      } finally {
        rmSync(inProcessDir, { recursive: true, force: true });
      }

      const pcap = join(outDir, 'syn.pcap');
      assert.equal(statSync(pcap).uid, NOBODY, 'the capture belongs to the user who scanned');
      const readByNobody = await runAs(
        'nobody',
        [process.execPath, '-e', `process.stdout.write(require('fs').readFileSync(${JSON.stringify(pcap)}).toString('base64'))`],
        nobodyEnv,
      );
      assert.equal(readByNobody.code, 0, readByNobody.stderr);
      const frames = readPcap(Buffer.from(readByNobody.stdout, 'base64')).records;
      assert.ok(frames.length >= 4, `SYN, SYN/ACK, RST and SYN, RST at least; got ${frames.length}`);
      // nothing is left behind in the helper's own directory
      assert.deepEqual(readdirSync(captureRoot), []);
      assert.match(readFileSync(join(home, 'scan.xml'), 'utf8'), new RegExp(`portid="${openPort}"><state state="open"`));
      assert.match(readFileSync(join(home, 'scan.txt'), 'utf8'), new RegExp(`${closedPort}/tcp\\s+closed`));
    } finally {
      rmSync(SUDOERS, { force: true });
    }
  });

  test(
    "a caller that is not the helper's node (VS Code): a setcap'd node runs the helper directly, a node without the capability falls back to sudo",
    { skip: existsSync('/usr/sbin/setcap') ? false : 'needs setcap (apt install libcap2-bin)' },
    async () => {
      const bin = mkdtempSync(join(tmpdir(), 'portlab-nodes-'));
      chmodSync(bin, 0o755);
      try {
        const withCap = join(bin, 'node-with-cap');
        const without = join(bin, 'node-without-cap');
        copyFileSync(process.execPath, withCap);
        copyFileSync(process.execPath, without);
        await run('setcap', ['cap_net_raw+ep', withCap]);
        const captureDir = join(home, 'launch-captures');
        // The caller is plain node without capabilities, as VS Code's Electron is: it cannot tell from itself.
        const launch = `const { startHelper } = require(${JSON.stringify(join(ROOT, 'src', 'helper', 'client.ts'))});
        (async () => {
          const out = [];
          for (const nodePath of ${JSON.stringify([withCap, without])}) {
            try {
              const c = await startHelper({ cliPath: ${JSON.stringify(CLI)}, captureDir: ${JSON.stringify(captureDir)}, nodePath });
              const hello = await c.hello();
              out.push([c.method, hello.rawSockets]);
              await c.close();
            } catch (e) { out.push(['failed', e.message]); }
          }
          process.stdout.write(JSON.stringify(out));
        })();`;
        const refused = await runAs('nobody', [process.execPath, '--import', 'tsx', '-e', launch], nobodyEnv, undefined, ROOT);
        assert.equal(refused.code, 0, refused.stderr);
        const [capped, plain] = JSON.parse(refused.stdout) as [string, string | boolean][];
        assert.deepEqual(capped, ['direct', true]);
        // the direct try got no CAP_NET_RAW, so sudo was asked, and its fix names the node without the capability
        assert.equal(plain![0], 'failed');
        assert.match(String(plain![1]), new RegExp(`sudo needs your password.*sudo setcap cap_net_raw\\+ep ${without}`));
        await installRule(ruleFor(without, captureDir));
        try {
          const allowed = await runAs('nobody', [process.execPath, '--import', 'tsx', '-e', launch], nobodyEnv, undefined, ROOT);
          assert.equal(allowed.code, 0, allowed.stderr);
          assert.deepEqual(JSON.parse(allowed.stdout), [
            ['direct', true],
            ['sudo', true],
          ]);
        } finally {
          rmSync(SUDOERS, { force: true });
        }
      } finally {
        rmSync(bin, { recursive: true, force: true });
      }
    },
  );

  test(`discover in lab ${LAB_ID}: nobody in the scanner namespace finds the lab's hosts through the helper`, async () => {
    await labUp(LAB_ID);
    try {
      const argv = [process.execPath, CLI, 'discover', `198.18.${LAB_ID}.0/24`, '--json'];
      const refused = await runAs('nobody', argv, nobodyEnv, topo.scanner.namespace);
      assert.equal(refused.code, 2, refused.stderr);
      // sudo inside the namespace runs the helper there too: the same command line, the same rule
      await installRule(ruleFor(process.execPath, captureRoot));
      const ran = await runAs('nobody', argv, nobodyEnv, topo.scanner.namespace);
      assert.equal(ran.code, 0, ran.stderr);
      const hosts = JSON.parse(ran.stdout) as DiscoveredHost[];
      const lab = await labStatus(LAB_ID);
      const host = (role: string) => lab.hosts.find((h) => h.role === role)!;
      // Every host on the lab's switch; the zombie twice, its two addresses on one interface.
      assert.deepEqual(
        hosts.map((h) => [h.address, h.method, h.mac]),
        [
          [topo.scanner.address, 'localhost', undefined],
          [host('target').address, 'arp', host('target').mac],
          [host('stateless').address, 'arp', host('stateless').mac],
          [host('zombie').address, 'arp', host('zombie').mac],
          [host('zombie').randomIpIdAddress, 'arp', host('zombie').mac],
        ],
      );
    } finally {
      rmSync(SUDOERS, { force: true });
      await labDown(LAB_ID);
    }
  });
});
