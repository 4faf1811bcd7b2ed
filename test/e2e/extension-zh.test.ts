import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zhCN } from '../../src/report/i18n/zh-CN';
import { RESULTS_DIR, resultsWebview, ROOT, runCommand, waitForRow, webviewFrame, withPortLabInBrowser } from './harness';

const LAB_ID = 56;
const TARGET = `198.18.${LAB_ID}.2`;
const isRoot = process.getuid?.() === 0;

const json = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, string>;
const bundle = json('l10n/bundle.l10n.zh-cn.json');
const nls = json('package.nls.zh-cn.json');
/** The Simplified Chinese of an extension message, as vscode.l10n.t gives it. */
const zh = (message: string, ...args: (string | number)[]) => bundle[message]!.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]));
const command = (id: string) => `PortLab: ${nls[`portlab.command.${id}`]}`;

test(
  'in a Simplified Chinese editor, PortLab speaks Chinese: palette, tree, results panel and lab report',
  { skip: !isRoot && 'needs root: the lab sandbox uses network namespaces', timeout: 10 * 60_000 },
  async () =>
    withPortLabInBrowser(
      LAB_ID,
      { 'portlab.defaultTechniques': ['connect'], 'portlab.maxRetries': 1 },
      async (page) => {
        await runCommand(page, command('startLab'));
        await waitForRow(page, zh('lab {0} target', LAB_ID));
        await page.locator('.notifications-toasts', { hasText: zh('Lab sandbox {0} is up: scan its target {1}.', LAB_ID, TARGET) }).waitFor();

        await runCommand(page, command('scanTarget'));
        const input = page.locator('.quick-input-widget input');
        await page.locator('.quick-input-widget', { hasText: zh('Scan which target?') }).waitFor();
        await page.locator('.quick-input-list .monaco-list-row', { hasText: TARGET }).first().click();
        await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Connect (-sT)' }).waitFor();
        await input.press('Enter');
        await page.locator('.quick-input-widget', { hasText: zh('Ports in nmap syntax, e.g. 22,80,443 or 1-1024 or - for all') }).waitFor();
        await input.fill('22,23,25,80');
        await input.press('Enter');
        // States and reasons stay as nmap writes them.
        for (const row of ['22/tcp open', '23/tcp closed', '25/tcp filtered', '80/tcp open']) await waitForRow(page, row);
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-zh-tree.png') });

        await runCommand(page, command('showResults'));
        const results = resultsWebview(page);
        await results.locator('#count', { hasText: zh('{0} of {1} results', 4, 4) }).waitFor({ timeout: 30_000 });
        assert.equal(await results.locator('#filter').getAttribute('placeholder'), zh('Filter (port, state, reason, technique…)'));
        await results.locator(`tr[data-key="connect/${TARGET}/23"]`).click();
        await results.locator('svg.ladder').waitFor();
        assert.ok((await results.locator('svg.ladder').textContent())?.includes(zh('scanner')), 'the ladder names the scanner in Chinese');
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-zh-results.png') });

        // The report follows the editor's display language.
        // The report opens as its rendered preview alone.
        await runCommand(page, command('generateReport'));
        await webviewFrame(page, `h1:has-text("${zhCN.title}")`);
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-zh-report.png') });
      },
      'zh-cn',
    ),
);
