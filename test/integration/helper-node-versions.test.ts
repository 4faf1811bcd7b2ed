import { execFileSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHelper } from '../../src/helper/client';
import { labDown, labTopology, labUp, LAB_TRUTH } from '../../src/lab';
import { expectedLabVerdict } from '../../src/technique/lab-answer';
import { buildCli, CLI, ROOT } from './scan-support';

/**
 * One built out/ and one native layer (Node-API) serve every runtime: the helper runs a SYN scan of the
 * lab on Node 18 (Debian 12's and Ubuntu 24.04's apt nodejs) and on Node 24 (code-server's), and each
 * port's state is the lab's truth.
 */
const ID = 209;
const topo = labTopology(ID);
const skip = process.getuid?.() === 0 ? false : 'needs root (network namespaces, raw sockets)';

function nodeVersions(): Record<'NODE18' | 'NODE24', string> {
  const out = execFileSync('bash', [join(ROOT, 'scripts', 'node-versions.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 10 * 60_000,
  });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => l.split('=', 2) as [string, string]),
  ) as Record<'NODE18' | 'NODE24', string>;
}

const captureRoot = mkdtempSync(join(tmpdir(), 'portlab-node-versions-'));
let nodes: Record<'NODE18' | 'NODE24', string>;

before(async () => {
  if (skip) return;
  nodes = nodeVersions();
  await buildCli();
  await labUp(ID);
});

after(async () => {
  if (!skip) await labDown(ID);
  rmSync(captureRoot, { recursive: true, force: true });
});

for (const [major, name] of [
  [18, 'NODE18'],
  [24, 'NODE24'],
] as const) {
  test(`the helper on Node ${major}: a SYN scan of lab ${ID} gives each port its truth`, { skip, timeout: 120_000 }, async () => {
    const nodePath = nodes[name];
    assert.match(execFileSync(nodePath, ['--version'], { encoding: 'utf8' }), new RegExp(`^v${major}\\.`));
    const captureDir = join(captureRoot, `node${major}`);
    const client = await startHelper({ cliPath: CLI, captureDir, nodePath, netns: topo.scanner.namespace });
    try {
      const hello = await client.hello();
      // The helper is that very binary (a scan helper started as root re-runs itself confined, on the same one).
      assert.equal(readlinkSync(`/proc/${hello.pid}/exe`), realpathSync(nodePath));
      assert.equal(hello.rawSockets, true);
      const truth = LAB_TRUTH.filter((p) => p.protocol === 'tcp');
      const scan = client.scan({ targets: [topo.target.address], ports: truth.map((p) => p.port).join(','), techniques: ['syn'], maxRetries: 1 });
      const done = await scan.finished;
      assert.equal(done.results.length, truth.length, 'one result per port');
      for (const { port, truth: t } of truth) {
        const r = done.results.find((x) => x.port === port);
        const { state, reason } = expectedLabVerdict('syn', t);
        assert.deepEqual([r?.state, r?.reason], [state, reason], `Node ${major}: port ${port} (${t})`);
      }
      // The capture holds a probe of every port and the answers the results came from (open: S, SA, R; closed: S, RA).
      const frames = execFileSync('tshark', ['-r', join(done.captureDir, 'syn.pcap'), '-T', 'fields', '-e', 'tcp.flags.str'], { encoding: 'utf8' });
      const flags = frames.trim().split('\n');
      assert.ok(flags.filter((f) => f.includes('S') && !f.includes('A')).length >= truth.length, `a SYN per port: ${flags.join(' | ')}`);
      assert.ok(
        flags.some((f) => f.includes('S') && f.includes('A')),
        'SYN/ACKs from the open ports',
      );
    } finally {
      await client.close();
    }
  });
}
