import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { RESULTS_DIR, ROOT, runCommand, webviewFrame, withPortLabInBrowser } from './harness';

const LAB_ID = 81;
const TARGET = `198.18.${LAB_ID}.2`;
const isRoot = process.getuid?.() === 0;
const skip = !isRoot && 'needs root: the checker enters the lab’s network namespace';
const STUDENT = join(ROOT, 'test', 'fixtures', 'student');
const TCP_PORTS = [22, 53, 80, 23, 443, 25, 8080, 110, 3306];

const json = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, string>;
const bundle = json('l10n/bundle.l10n.zh-cn.json');
/** The Simplified Chinese of an extension message, as vscode.l10n.t gives it. */
const zh = (message: string, ...args: (string | number)[]) => bundle[message]!.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]));

function cli(...args: string[]): void {
  const run = spawnSync(process.execPath, [join(ROOT, 'out', 'cli.js'), ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, `portlab ${args.join(' ')}: ${run.stderr}`);
}

before(() => {
  if (!skip) cli('lab', 'up', '--id', String(LAB_ID));
});
after(() => {
  if (!skip) cli('lab', 'down', '--id', String(LAB_ID));
});

/** Opens a file of the workspace with Quick Open. */
async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await input.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor();
}

/** What the check's dialogs and table say, in the editor's language. */
const ENGLISH = {
  t: (message: string, ...args: (string | number)[]) => message.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)])),
  command: 'Check My Scanner',
};
const CHINESE = { t: zh, command: json('package.nls.zh-cn.json')['portlab.command.checkScanner']! };

/** Check My Scanner on the file in the editor: SYN, every kind of port the lab has. */
async function checkWithSyn(page: Page, program: string, words = ENGLISH): Promise<Frame> {
  const { t } = words;
  await openFile(page, program);
  await runCommand(page, `PortLab: ${words.command}`);
  const input = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-widget', { hasText: t('Check {0}: which technique does it use?', program) }).waitFor();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'SYN (-sS)' }).first().click();
  await page.locator('.quick-input-widget', { hasText: t('Check {0}: on which of lab {1}’s ports?', program, LAB_ID) }).waitFor();
  for (const kind of ['open', 'closed', 'filtered by drop', 'filtered by reject'])
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: t(kind) })
      .first()
      .waitFor();
  await input.press('Enter');
  await page.locator('.notifications-toasts', { hasText: t('Checking {0} ({1}) on lab {2}', program, 'SYN (-sS)', LAB_ID) }).waitFor({ timeout: 30_000 });
  const results = await webviewFrame(page, `#check-table tr.result[data-key="syn/3306"]`, 180_000);
  await results.locator('h2', { hasText: t('{0} · {1} against {2} (lab {3})', program, 'syn', TARGET, LAB_ID) }).waitFor({ timeout: 30_000 });
  return results;
}

/** The table's verdict per port. */
async function verdicts(results: Frame): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const port of TCP_PORTS) out.set(port, ((await results.locator(`tr[data-key="syn/${port}"] td.verdict`).textContent()) ?? '').trim());
  return out;
}

test(
  'Check My Scanner runs a student’s SYN scanner on every kind of lab port: the program vs truth table, the buggy one in the Problems panel; a .pcapng opens in PortLab from the Explorer',
  { skip, timeout: 15 * 60_000 },
  async () =>
    withPortLabInBrowser(
      LAB_ID,
      // The tables get the window's width: no chat beside them.
      { 'portlab.check.timeout': 15, 'workbench.secondarySideBar.defaultVisibility': 'hidden' },
      async (page) => {
        // A correct program: every port as the truth says.
        let results = await checkWithSyn(page, 'syn_ok.py');
        const ok = await verdicts(results);
        assert.deepEqual(
          [...ok.values()],
          TCP_PORTS.map(() => '✔ correct'),
          JSON.stringify([...ok]),
        );
        assert.equal((await results.locator('#check-summary').textContent())?.trim(), '9 of 9 ports answered correctly');
        await results.locator('tr[data-key="syn/80"]').click();
        await results.locator('#check-details svg.ladder').waitFor();
        const ladder = await results.locator('#check-details svg.ladder g.packet text.label').allTextContents();
        assert.deepEqual(ladder.slice(0, 2), ['S', 'SA'], ladder.join(' '));
        await results.locator('#check-header-box svg.header-diagram').waitFor({ timeout: 30_000 });
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-check-syn-ok.png') });

        // The program that never reads an ICMP answer: silent on the rejected ports, and told so in the Problems panel.
        results = await checkWithSyn(page, 'syn_nested_icmp.py');
        const nested = await verdicts(results);
        for (const port of TCP_PORTS) assert.equal(nested.get(port), port === 110 || port === 3306 ? '✘ no verdict' : '✔ correct', `port ${port}`);
        const row = results.locator('tr[data-key="syn/110"]');
        assert.equal((await row.locator('td.truth').textContent())?.trim(), 'filtered by reject');
        assert.equal((await row.locator('td.expected').textContent())?.trim(), 'filtered (admin-prohibited)');
        assert.equal((await row.locator('td.said').textContent())?.trim(), '(nothing)');
        assert.match((await row.locator('td.deviations').textContent()) ?? '', /ICMP answer \(frame 2\)/);
        await row.click();
        await results.locator('#check-details svg.ladder g.packet.deviation', { hasText: 'ICMP 3/13' }).waitFor();
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-check-nested-icmp.png') });

        const problems = page.locator('#status\\.problems');
        await problems.filter({ hasText: '2' }).waitFor({ timeout: 30_000 });
        await page.keyboard.press('Control+Shift+M');
        const marker = page.locator('.markers-panel .monaco-list-row', {
          hasText: 'port 110/tcp is filtered (ICMP 3/13, admin-prohibited), but the program printed nothing',
        });
        await marker.first().waitFor({ timeout: 30_000 });
        await page.locator('.markers-panel .monaco-list-row', { hasText: 'port 3306/tcp is filtered' }).first().waitFor();
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-check-problems.png') });

        // A capture from elsewhere (tcpdump, Wireshark) opens in PortLab with a double click in the Explorer.
        await page.keyboard.press('Control+J');
        await page.locator('.markers-panel').waitFor({ state: 'hidden' });
        await page.keyboard.press('Control+Shift+E');
        const file = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'veth.pcapng' });
        await file.first().waitFor({ timeout: 30_000 });
        await file.first().dblclick();
        const capture = await webviewFrame(page, '#capture-summary', 60_000);
        await capture.locator('tr.exchange').first().waitFor();
        assert.match((await capture.locator('#capture-summary').textContent()) ?? '', /pcapng · 11 packets · 3 exchanges/);
        assert.equal(await capture.locator('tr.exchange').count(), 3);
        const open = capture.locator('tr.exchange', { hasText: 'open (syn-ack)' });
        assert.match((await open.locator('td.verdict').textContent()) ?? '', /✔ as the textbook/);
        await open.click();
        await capture.locator('#capture-details svg.ladder').waitFor();
        assert.deepEqual(await capture.locator('#capture-details svg.ladder g.packet text.label').allTextContents(), ['S', 'SA', 'R']);
        await capture.locator('#header-box svg.header-diagram').waitFor({ timeout: 30_000 });
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-check-capture-editor.png') });
      },
      undefined,
      {
        'syn_ok.py': readFileSync(join(STUDENT, 'syn_ok.py')),
        'syn_nested_icmp.py': readFileSync(join(STUDENT, 'syn_nested_icmp.py')),
        'veth.pcapng': readFileSync(join(ROOT, 'test', 'fixtures', 'captures', 'formats', 'veth.pcapng')),
        '.vscode/settings.json': JSON.stringify({ 'portlab.lab.id': LAB_ID }),
      },
    ),
);

test(
  'in a Simplified Chinese editor, Check My Scanner speaks Chinese: its dialogs, the table, the deviations and the Problems panel',
  { skip, timeout: 15 * 60_000 },
  async () => {
    // The test before took its lab down with its browser.
    cli('lab', 'up', '--id', String(LAB_ID));
    await withPortLabInBrowser(
      LAB_ID,
      { 'portlab.check.timeout': 15, 'workbench.secondarySideBar.defaultVisibility': 'hidden' },
      async (page) => {
        const results = await checkWithSyn(page, 'syn_nested_icmp.py', CHINESE);
        assert.equal((await results.locator('#check-summary').textContent())?.trim(), zh('{0} of {1} ports answered correctly', 7, 9));
        const row = results.locator('tr[data-key="syn/110"]');
        assert.equal((await row.locator('td.truth').textContent())?.trim(), zh('filtered by reject'));
        assert.equal((await row.locator('td.verdict').textContent())?.trim(), zh('✘ no verdict'));
        // The checker's sentences, worded again from their facts.
        assert.match((await row.locator('td.deviations').textContent()) ?? '', /^ICMP 应答（帧 2）$/);
        await row.click();
        await results.locator('#check-details .deviation-list li', { hasText: 'ICMP 应答：应答是 ICMP 3/13' }).waitFor();
        await page.keyboard.press('Control+Shift+M');
        const why = `${zh('port {0} is {1} ({2}), but the program printed nothing', '110/tcp', 'filtered', 'ICMP 3/13, admin-prohibited')}`;
        await page.locator('.markers-panel .monaco-list-row', { hasText: why }).first().waitFor({ timeout: 30_000 });
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-check-zh.png') });
      },
      'zh-cn',
      {
        'syn_nested_icmp.py': readFileSync(join(STUDENT, 'syn_nested_icmp.py')),
        '.vscode/settings.json': JSON.stringify({ 'portlab.lab.id': LAB_ID }),
      },
    );
  },
);
