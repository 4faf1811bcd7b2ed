import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { labDown, labUp } from '../../src/lab';
import { launchChromium, packageVsix, RESULTS_DIR, runCommand, startCodeServer, treeRow, waitForRow, type CodeServer } from './harness';

/**
 * A student who is not root, in code-server run as their own account with no display (as over
 * Remote-SSH): the lab was started by root from a terminal before. The editor finds it by itself, a
 * connect scan needs nothing, a SYN scan asks sudo's password once in an input box, and a dismissed box
 * cancels the scan and leaves no helper behind.
 */
const LAB_ID = 95;
const TARGET = `198.18.${LAB_ID}.2`;
const STUDENT = 'plstudent95';
const PASSWORD = 'portlab-e2e-Pw!';
const SUDOERS = `/etc/sudoers.d/${STUDENT}`;
const isRoot = process.getuid?.() === 0;
const PASSWORD_TITLE = 'PortLab needs your password';

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, STUDENT], { encoding: 'utf8' }).trim());
}

/** The student's processes whose command line holds `text` (the helper is `… cli.js helper …`). */
function studentProcesses(text: string): number[] {
  const uid = idOf('-u');
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return new RegExp(`^Uid:\\s+${uid}\\b`, 'm').test(status) && cmdline.includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Every process that runs as the student, or as root on the student's behalf (sudo, the helper it started). */
function helperProcesses(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmdline.includes('cli.js helper') && cmdline.includes(`/home/${STUDENT}/`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function until(what: string, check: () => boolean, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Palette → Scan Target… → the lab's target → the technique labelled `technique` alone → `ports`. */
async function scanFromPalette(page: Page, technique: string, ports: string): Promise<void> {
  await runCommand(page, 'PortLab: Scan Target…');
  const input = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: TARGET }).first().click();
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await rows.filter({ hasText: 'Connect (-sT)' }).waitFor();
  // Tick exactly the technique asked for: a row's checkbox toggles it.
  for (const label of ['Connect (-sT)', 'SYN (-sS)']) {
    const row = rows.filter({ hasText: label }).first();
    const checked = (await row.getAttribute('aria-checked')) === 'true';
    if (checked !== (label === technique)) await row.click();
  }
  await input.press('Enter');
  await input.fill(ports);
  await input.press('Enter');
}

/** The password input box, when it shows within `timeout`. */
async function passwordBox(page: Page, timeout: number): Promise<boolean> {
  return page
    .locator('.quick-input-widget', { hasText: PASSWORD_TITLE })
    .waitFor({ state: 'visible', timeout })
    .then(
      () => true,
      () => false,
    );
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(RESULTS_DIR, name) });

let server: CodeServer | undefined;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
let vsixDir: string | undefined;

before(async () => {
  if (!isRoot) return;
  spawnSync('userdel', ['-r', STUDENT], { stdio: 'ignore' });
  execFileSync('useradd', ['-m', '-s', '/bin/bash', STUDENT]);
  execFileSync('chpasswd', { input: `${STUDENT}:${PASSWORD}\n` });
  writeFileSync(SUDOERS, `${STUDENT} ALL=(ALL:ALL) ALL\n`, { mode: 0o440 });
  await labUp(LAB_ID);
});

after(async () => {
  if (!isRoot) return;
  await browser?.close().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  // Whatever of the student's still runs was started by this test (code-server's children, a helper).
  for (const pid of [...studentProcesses(''), ...helperProcesses()])
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  spawnSync('userdel', ['-r', STUDENT], { stdio: 'ignore' });
  rmSync(SUDOERS, { force: true });
  if (vsixDir) rmSync(vsixDir, { recursive: true, force: true });
  await labDown(LAB_ID).catch(() => undefined);
});

test(
  'a student who is not root: the lab target is listed at once, a connect scan asks nothing, a SYN scan asks the password once in the editor, a dismissed box cancels cleanly',
  { skip: !isRoot && 'needs root: it starts the lab and creates a user', timeout: 15 * 60_000 },
  async () => {
    // The .vsix where the student can read it.
    vsixDir = mkdtempSync(join(tmpdir(), 'portlab-student-vsix-'));
    chmodSync(vsixDir, 0o755);
    const vsix = join(vsixDir, 'portlab.vsix');
    copyFileSync(packageVsix(), vsix);
    chmodSync(vsix, 0o644);

    server = await startCodeServer({
      vsix,
      settings: { 'portlab.lab.id': LAB_ID, 'portlab.defaultTechniques': ['connect'], 'portlab.maxRetries': 1, 'portlab.elevation': 'sudo' },
      user: { uid: idOf('-u'), gid: idOf('-g'), home: `/home/${STUDENT}` },
      // No Node.js of the student's: the helper and sudo's askpass program run on the extension host's runtime.
      noNodeOnPath: true,
    });
    browser = await launchChromium();
    const page = browser.page;
    await page.goto(`${server.url}?folder=${encodeURIComponent(server.workspace)}`);
    const activity = page.locator('.activitybar [aria-label^="PortLab"]').first();
    await activity.waitFor({ timeout: 60_000 });
    await activity.click();

    // 1. The lab root started is in the tree without any action.
    await waitForRow(page, TARGET, 30_000);
    assert.match((await treeRow(page, TARGET).textContent()) ?? '', new RegExp(`lab ${LAB_ID} target`));
    await shot(page, 'e2e-student-lab-found.png');

    // 2. A connect scan: no password asked, results over the host link.
    await scanFromPalette(page, 'Connect (-sT)', '22,23,25,80');
    const askedForConnect = passwordBox(page, 8000);
    for (const row of ['22/tcp open', '23/tcp closed', '25/tcp filtered', '80/tcp open']) await waitForRow(page, row, 60_000);
    assert.equal(await askedForConnect, false, 'a connect scan asked for a password');
    assert.deepEqual(helperProcesses(), [], 'a connect scan started a helper');
    await shot(page, 'e2e-student-connect.png');

    // 3. A SYN scan: sudo's password in an input box, once.
    await scanFromPalette(page, 'SYN (-sS)', '22,23,25,80');
    assert.ok(await passwordBox(page, 30_000), 'the SYN scan asks for the password');
    const box = page.locator('.quick-input-widget', { hasText: PASSWORD_TITLE });
    assert.match((await box.textContent()) ?? '', new RegExp(`${STUDENT}.*helper`));
    await shot(page, 'e2e-student-password.png');
    await box.locator('input').fill(PASSWORD);
    await box.locator('input').press('Enter');
    await waitForRow(page, 'SYN (-sS)', 60_000);
    await page.locator('.pane-body .monaco-list-row', { hasText: 'SYN (-sS)' }).filter({ hasText: '2 open' }).first().waitFor({ timeout: 60_000 });
    const status = page.locator('.statusbar-item', { hasText: 'PortLab: helper' }).first();
    await status.waitFor({ timeout: 15_000 });
    assert.match((await status.textContent()) ?? '', new RegExp(`PortLab: helper \\(CAP_NET_RAW, as ${STUDENT}\\)`));
    await shot(page, 'e2e-student-syn.png');

    // 4. A second SYN scan asks nothing: the same helper serves it.
    const helpers = helperProcesses();
    assert.ok(helpers.length > 0, 'a scan helper runs');
    await scanFromPalette(page, 'SYN (-sS)', '22,23');
    assert.equal(await passwordBox(page, 5000), false, 'the second SYN scan asked for the password again');
    await page
      .locator('.notifications-toasts .notification-toast', { hasText: `Scanning ${TARGET}` })
      .first()
      .waitFor({ state: 'detached', timeout: 60_000 });
    assert.deepEqual(helperProcesses(), helpers, 'the same helper');

    // 5. The helper gone and sudo's memory of the password forgotten: the box comes again; dismissed, the scan is cancelled.
    for (const pid of helpers)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone with its parent
      }
    await until('the helper gone', () => helperProcesses().length === 0);
    spawnSync('runuser', ['-u', STUDENT, '--', 'sudo', '-K']);
    await scanFromPalette(page, 'SYN (-sS)', '22');
    assert.ok(await passwordBox(page, 30_000), 'the box comes again for a new helper');
    await page.keyboard.press('Escape');
    await page.locator('.notifications-toasts', { hasText: 'cancelled' }).first().waitFor({ timeout: 30_000 });
    await shot(page, 'e2e-student-cancelled.png');
    assert.equal(await page.locator('.notifications-toasts .notification-toast', { hasText: /error|failed/i }).count(), 0, 'no error toast');
    await until('no helper and no sudo left', () => helperProcesses().length === 0 && studentProcesses('sudo').length === 0);
    assert.ok(existsSync(`/run/portlab/lab-${LAB_ID}.description.json`));
  },
);
