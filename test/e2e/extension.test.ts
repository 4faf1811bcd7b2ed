import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { mermaidDiagrams, RESULTS_DIR, resultsWebview, runCommand, treeRow, waitForRow, webviewFrame, withPortLabInBrowser } from './harness';

const LAB_ID = 51;
const TARGET = `198.18.${LAB_ID}.2`;
const isRoot = process.getuid?.() === 0;

const treeRows = (page: Page) => page.locator('.pane-body .monaco-list-row .label-name');

async function ladderLabels(frame: FrameLocator): Promise<string[]> {
  return frame.locator('svg.ladder g.packet text.label').allTextContents();
}

/** The fill of the flowchart's first node: it changes when the diagram is drawn for another theme. */
function nodeFill(flowchart: Locator): Promise<string> {
  return flowchart
    .locator('.node rect, .node polygon, .node path')
    .first()
    .evaluate((e) => getComputedStyle(e).fill);
}

test(
  'palette → lab → SYN and UDP scan → tree → results webview with the right ladders → report preview with its diagrams drawn by PortLab',
  { skip: !isRoot && 'needs root: the lab sandbox uses network namespaces', timeout: 15 * 60_000 },
  async () =>
    withPortLabInBrowser(
      LAB_ID,
      {
        'portlab.defaultTechniques': ['syn', 'udp'],
        'portlab.maxRetries': 1,
        'portlab.rate': 500,
        // As in a VS Code without built-in Mermaid (before mermaid-markdown-features): its plugin takes no ```mermaid
        // block, which stays code for PortLab's preview script to draw.
        'markdown-mermaid.languages': ['none'],
      },
      async (page) => {
        await runCommand(page, 'PortLab: Start Lab Sandbox');
        await waitForRow(page, TARGET);

        await runCommand(page, 'PortLab: Scan Target…');
        const input = page.locator('.quick-input-widget input');
        // Target: the lab's, offered in the list; typed, since other labs up on the machine are listed too.
        await page.locator('.quick-input-list .monaco-list-row', { hasText: TARGET }).first().waitFor();
        await input.fill(TARGET);
        await input.press('Enter');
        // Techniques: SYN and UDP ticked from the settings; accept them.
        await page.locator('.quick-input-list .monaco-list-row', { hasText: 'SYN (-sS)' }).waitFor();
        const ticked = await page.locator('.quick-input-list .monaco-list-row[aria-checked="true"] .label-name').allTextContents();
        // Each row has a label and a detail line; the labels are the technique names.
        assert.deepEqual(
          ticked
            .map((t) => t.trim())
            .filter((t) => /\(-s[A-Z]\)$/.test(t))
            .sort(),
          ['SYN (-sS)', 'UDP (-sU)'],
        );
        await input.press('Enter');
        // Ports: checked as typed, with the CLI's parser.
        await input.fill('22,abc');
        await page.locator('.quick-input-message', { hasText: '"abc" is not a port number' }).waitFor();
        await input.fill('22,23,25,53,69,110,123');
        await page
          .locator('.quick-input-message', { hasText: '"abc"' })
          .waitFor({ state: 'detached' })
          .catch(() => undefined);
        await input.press('Enter');

        for (const row of ['22/tcp open', '23/tcp closed', '25/tcp filtered', '110/tcp filtered', '53/udp open', '69/udp closed', '123/udp open|filtered'])
          await waitForRow(page, row, 90_000);
        const rows = (await treeRows(page).allTextContents()).map((t) => t.trim());
        assert.ok(rows.includes('SYN (-sS)') && rows.includes('UDP (-sU)'), rows.join(' | '));
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-tree.png') });

        await runCommand(page, 'PortLab: Show Results');
        const frame = resultsWebview(page);
        await frame.locator('tr.result').first().waitFor({ timeout: 30_000 });
        assert.equal(await frame.locator('tr.result').count(), 14);

        await frame.locator('tr[data-key="syn/198.18.51.2/22"]').click();
        await frame.locator('svg.ladder').waitFor();
        assert.deepEqual(await ladderLabels(frame), ['S', 'SA', 'R']);
        assert.equal(await frame.locator('svg.ladder g.packet.kernel').count(), 1);
        // The SYN/ACK's headers, read from the pcap, with SYN and ACK highlighted.
        await frame.locator('svg.header-diagram').waitFor({ timeout: 15_000 });
        assert.deepEqual(
          (await frame.locator('svg.header-diagram g[data-layer="TCP"] g.field.set').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-field')))).sort(),
          ['ACK', 'SYN'],
        );
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-webview-open-port.png') });
        await frame.locator('svg.header-diagram').screenshot({ path: join(RESULTS_DIR, 'e2e-header-syn-ack.png') });

        await frame.locator('tr[data-key="syn/198.18.51.2/23"]').click();
        await frame.locator('svg.ladder g.packet text.label', { hasText: 'RA' }).waitFor();
        assert.deepEqual(await ladderLabels(frame), ['S', 'RA']);

        await frame.locator('tr[data-key="udp/198.18.51.2/69"]').click();
        await frame.locator('svg.ladder g.packet.icmp').waitFor();
        assert.deepEqual(await ladderLabels(frame), ['UDP', `ICMP 3/3 ${TARGET}`]);
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-webview-closed-udp.png') });

        // Filtering narrows the table to what matches.
        await frame.locator('vscode-textfield#filter input').fill('open');
        await frame.locator('#count', { hasText: /^\d+ of 14/ }).waitFor();
        const states = await frame.locator('tr.result td.state').allTextContents();
        assert.ok(states.length > 0 && states.every((s) => s.includes('open')), states.join());

        // A port clicked in the tree while another editor hides the panel: the panel comes back showing that port.
        await runCommand(page, 'File: New Untitled Text File');
        await page.locator('.tabs-container .tab', { hasText: 'Untitled-1' }).waitFor();
        await treeRow(page, '25/tcp filtered').click();
        await frame.locator('.details h2', { hasText: `syn · ${TARGET}:25/tcp — filtered (no-response)` }).waitFor({ timeout: 30_000 });
        assert.equal(await frame.locator('tr.selected').getAttribute('data-key'), `syn/${TARGET}/25`);

        // The report's preview: every Mermaid block drawn as a diagram by PortLab's preview script, none left as code.
        await runCommand(page, 'PortLab: Generate Lab Report');
        const preview = await webviewFrame(page, 'h1:has-text("Port scanning lab report")');
        await preview.locator('pre:has(> code.language-mermaid)').first().waitFor({ state: 'attached' });
        const blocks = await preview.locator('pre:has(> code.language-mermaid)').count();
        const drawn = preview.locator('.portlab-mermaid');
        const { flowcharts, sequences } = mermaidDiagrams(preview);
        await flowcharts.first().waitFor({ timeout: 30_000 });
        await sequences.first().waitFor({ timeout: 30_000 });
        await preview
          .locator('.portlab-mermaid svg')
          .nth(blocks - 1)
          .waitFor({ timeout: 30_000 });
        assert.equal(await drawn.count(), blocks, `${blocks} blocks, each drawn once`);
        assert.equal(await preview.locator('.portlab-mermaid.error').count(), 0, 'every block drawn');
        assert.equal(await preview.locator('pre:has(> code.language-mermaid):visible').count(), 0, 'no block left as code');
        assert.equal(await flowcharts.count(), 1, 'the topology');
        assert.ok((await flowcharts.first().locator('.node').count()) >= 2, 'scanner and target in the topology');
        assert.ok((await sequences.count()) >= 4, 'an exchange diagram per distinct exchange');
        assert.ok((await sequences.first().locator('.messageText').count()) >= 1, 'the exchange shows its packets');
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-report-diagrams.png') });
        await sequences.first().scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-report-sequence.png') });

        // The diagrams follow the editor's theme: drawn again, in other colours, when it changes.
        const theme = await preview.locator('body').getAttribute('class');
        const fill = await nodeFill(flowcharts.first());
        await runCommand(page, 'Preferences: Toggle between Light/Dark Themes');
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline && (await nodeFill(flowcharts.first()).catch(() => fill)) === fill) await page.waitForTimeout(250);
        assert.notEqual(await preview.locator('body').getAttribute('class'), theme, 'the preview took the other theme');
        assert.notEqual(await nodeFill(flowcharts.first()), fill, 'the topology was drawn again in the other theme’s colours');
        assert.equal(await drawn.count(), blocks, 'still each block once');
        await page.screenshot({ path: join(RESULTS_DIR, 'e2e-report-diagrams-other-theme.png') });
      },
    ),
);
