import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHelper } from '../../src/helper/client';
import { INSTALLED_CLI, installedCommand, sudoersRule } from '../../src/helper/installed-helper';
import { currentEnvironment } from '../../src/helper/launch';
import { CLI } from './scan-support';

/**
 * The editor's Electron runs the helper only with ELECTRON_RUN_AS_NODE=1 in its environment, which sudo
 * resets. Node.js ignores the variable, so a real node stands in for Electron here: what is checked is
 * that the variable reaches the helper through each way of starting it, and that sudo's rule for the
 * installed helper matches the command with it.
 */
const skip = process.getuid?.() === 0 ? false : 'needs root (sudo without a password, sudoers.d)';
const captureRoot = mkdtempSync(join(tmpdir(), 'portlab-runtime-'));
after(() => rmSync(captureRoot, { recursive: true, force: true }));

function environOf(pid: number): Map<string, string> {
  return new Map(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]),
  );
}

for (const [how, capEff] of [
  ['directly', undefined],
  ['through sudo -n', 0n],
] as const) {
  test(`Electron's way, ${how}: the helper gets ELECTRON_RUN_AS_NODE=1 and answers with raw sockets`, { skip }, async () => {
    // The extension host's own environment has no such variable: it is the launch that adds it.
    assert.equal(process.env.ELECTRON_RUN_AS_NODE, undefined);
    const env = capEff === undefined ? currentEnvironment() : { ...currentEnvironment(), capEff, terminal: false, graphical: false };
    const client = await startHelper({ cliPath: CLI, captureDir: join(captureRoot, how.replace(/\W/g, '')), nodePath: process.execPath, runAsNode: true }, env);
    try {
      assert.equal(client.method, capEff === undefined ? 'direct' : 'sudo');
      const hello = await client.hello();
      assert.equal(hello.rawSockets, true);
      assert.equal(environOf(hello.pid).get('ELECTRON_RUN_AS_NODE'), '1');
      assert.match(readFileSync(`/proc/${hello.pid}/cmdline`, 'utf8'), /cli\.js\0helper\0/);
    } finally {
      await client.close();
    }
  });
}

test('the sudoers rule for an installed helper on Electron: visudo takes it, and sudo lets exactly that command run', { skip }, () => {
  const node = process.execPath;
  const helper = { node, cli: INSTALLED_CLI, env: '/usr/bin/env' };
  // For the system account nobody, in a file of this test's own, removed at its end.
  const file = `/etc/sudoers.d/portlab-runtime-test-${process.pid}`;
  const staged = mkdtempSync(join(tmpdir(), 'portlab-sudoers-'));
  try {
    writeFileSync(join(staged, 'rule'), sudoersRule('nobody', helper), { mode: 0o440 });
    execFileSync('visudo', ['-cf', join(staged, 'rule')], { stdio: 'pipe' });
    writeFileSync(file, sudoersRule('nobody', helper), { mode: 0o440 });
    const allowed = (...command: string[]) => spawnSync('sudo', ['-n', '-l', '-U', 'nobody', ...command], { stdio: 'ignore' }).status === 0;
    const args = ['helper', '--capture-dir', '/home/s/.cache/portlab'];
    assert.equal(allowed(...installedCommand(helper), ...args), true, 'the command the launcher runs');
    assert.equal(allowed('/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', node, INSTALLED_CLI, ...args), true);
    // anything else is refused: the binary without the variable, another variable, another script
    assert.equal(allowed(node, INSTALLED_CLI, ...args), false);
    assert.equal(allowed('/usr/bin/env', 'NODE_OPTIONS=--require=/tmp/x.js', node, INSTALLED_CLI, ...args), false);
    assert.equal(allowed('/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', node, '/tmp/cli.js', ...args), false);
  } finally {
    rmSync(file, { force: true });
    rmSync(staged, { recursive: true, force: true });
  }
});
