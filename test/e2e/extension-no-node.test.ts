import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { labDown } from '../../src/lab';
import { e2eTools, launchChromium, openPortLabView, packageVsix, RESULTS_DIR, runCommand, startCodeServer, waitForRow, type CodeServer } from './harness';

/**
 * A machine without Node.js: code-server started by path, and a PATH on which no `node` is found. The
 * extension starts its helper on the extension host's own runtime (code-server's Node 24), which loads
 * the native layer the .vsix carries, and a SYN scan from the editor fills the tree.
 */
const LAB_ID = 235;
const TARGET = `198.18.${LAB_ID}.2`;
const isRoot = process.getuid?.() === 0;

/** The helpers under `home` (the run's extensions folder): pid → the program they run. */
function helpers(home: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d)))
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmdline.includes('helper') && cmdline.some((w) => w.startsWith(home) && w.endsWith('cli.js')))
        found.set(Number(pid), readlinkSync(`/proc/${pid}/exe`));
    } catch {
      // gone meanwhile
    }
  return found;
}

test(
  'no node on PATH: the helper runs on the extension host’s runtime and a SYN scan from the palette fills the tree',
  { skip: !isRoot && 'needs root: the lab sandbox uses network namespaces', timeout: 15 * 60_000 },
  async () => {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const { node24 } = e2eTools();
    const vsix = packageVsix();
    let server: CodeServer | undefined;
    let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
    try {
      server = await startCodeServer({
        vsix,
        settings: { 'portlab.lab.id': LAB_ID, 'portlab.defaultTechniques': ['syn'], 'portlab.maxRetries': 1 },
        noNodeOnPath: true,
      });
      // The PATH the editor got has no node on it.
      const path = server.path;
      const lookup = spawnSync('/bin/sh', ['-c', 'command -v node'], { env: { PATH: path }, encoding: 'utf8' });
      assert.deepEqual([lookup.status === 0, lookup.stdout], [false, ''], 'no node on the PATH');
      assert.equal(spawnSync('/bin/sh', ['-c', 'command -v ip'], { env: { PATH: path } }).status, 0, 'the system programs are');
      browser = await launchChromium();
      const page = browser.page;
      await openPortLabView(page, server, undefined);

      await runCommand(page, 'PortLab: Start Lab Sandbox');
      await waitForRow(page, TARGET);
      await runCommand(page, 'PortLab: Scan Target…');
      const input = page.locator('.quick-input-widget input');
      // Other labs of this machine are listed too: narrowed to this one's target.
      await input.fill(TARGET);
      await page
        .locator('.quick-input-list .monaco-list-row.focused', { hasText: TARGET })
        .filter({ hasText: `lab ${LAB_ID} target` })
        .waitFor();
      await input.press('Enter');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'SYN (-sS)' }).waitFor();
      await input.press('Enter');
      await input.fill('22,23,25,80,110');
      await input.press('Enter');
      for (const row of ['22/tcp open', '23/tcp closed', '25/tcp filtered', '80/tcp open', '110/tcp filtered']) await waitForRow(page, row, 90_000);
      await page.screenshot({ path: join(RESULTS_DIR, 'e2e-no-node-syn.png') });

      // The helper that scanned runs on code-server's own binary: nothing else could have run it.
      const running = helpers(server.home);
      assert.ok(running.size > 0, 'a helper runs');
      for (const [pid, exe] of running) assert.equal(exe, realpathSync(node24), `helper ${pid}`);
    } catch (err) {
      await browser?.page.screenshot({ path: join(RESULTS_DIR, 'e2e-no-node-failed.png') }).catch(() => undefined);
      throw err;
    } finally {
      await browser?.close().catch(() => undefined);
      await server?.stop().catch(() => undefined);
      await labDown(LAB_ID).catch(() => undefined);
    }
  },
);
