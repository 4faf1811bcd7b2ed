import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { labDown } from '../../src/lab';
import { launchChromium, openPortLabView, packageVsix, RESULTS_DIR, runCommand, startCodeServer, type CodeServer } from './harness';

const LAB_ID = 53;
const TARGET = `198.18.${LAB_ID}.2`;
const isRoot = process.getuid?.() === 0;

async function waitForRow(page: Page, text: string, timeout = 60_000): Promise<void> {
  await page.locator('.pane-body .monaco-list-row', { hasText: text }).first().waitFor({ timeout });
}

/** The frame of the webview that holds `selector` (the results panel and the Markdown preview are both webviews). */
async function webviewFrame(page: Page, selector: string, timeout = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const frame of page.frames()) if ((await frame.locator(selector).count().catch(() => 0)) > 0) return frame;
    if (Date.now() > deadline) throw new Error(`no webview shows ${selector}`);
    await page.waitForTimeout(250);
  }
}

/** Palette → Scan Target… with the lab's target, the ticked techniques and `ports`. */
async function scanFromPalette(page: Page, ports: string): Promise<void> {
  await runCommand(page, 'PortLab: Scan Target…');
  const input = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: TARGET }).first().waitFor();
  await input.press('Enter');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Connect (-sT)' }).waitFor();
  await input.press('Enter');
  await input.fill(ports);
  await input.press('Enter');
}

test('palette → Generate Lab Report: the report in an editor tab with its Markdown preview beside it', { skip: !isRoot && 'needs root: the lab sandbox uses network namespaces', timeout: 10 * 60_000 }, async () => {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const vsix = packageVsix();
  let server: CodeServer | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    server = await startCodeServer({
      vsix,
      settings: {
        'portlab.lab.id': LAB_ID,
        'portlab.defaultTechniques': ['connect'],
        'portlab.maxRetries': 1,
      },
    });
    browser = await launchChromium();
    const page = browser.page;
    await openPortLabView(page, server);
    await runCommand(page, 'PortLab: Start Lab Sandbox');
    await waitForRow(page, TARGET);
    await scanFromPalette(page, '22,23,25,80');
    for (const row of ['22/tcp open', '23/tcp closed', '25/tcp filtered', '80/tcp open']) await waitForRow(page, row);

    // Generate Lab Report: the report in an editor tab with its preview beside it.
    await runCommand(page, 'PortLab: Generate Lab Report');
    const tab = page.locator('.tabs-container .tab', { hasText: `report-${TARGET}.md` });
    await tab.first().waitFor({ timeout: 30_000 });
    await page.locator('.editor-instance .view-lines', { hasText: '# Port scanning lab report' }).first().waitFor();
    const preview = await webviewFrame(page, 'h1');
    assert.equal((await preview.locator('h1').first().textContent())?.trim(), 'Port scanning lab report');
    const h2 = (await preview.locator('h2').allTextContents()).map((t) => t.trim());
    for (const section of ['Environment', 'Topology', 'Summary', 'Analysis']) assert.ok(h2.some((h) => h.includes(section)), `${section} in ${h2.join(' | ')}`);
    const cells = (await preview.locator('td').allTextContents()).map((t) => t.trim());
    for (const port of ['22/tcp', '23/tcp', '25/tcp', '80/tcp']) assert.ok(cells.includes(port), `${port} in the report`);
    await page.screenshot({ path: join(RESULTS_DIR, 'e2e-ui-report.png') });

  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (isRoot) await labDown(LAB_ID).catch(() => undefined);
  }
});
