import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { labTopology } from '../../src/lab/topology';
import { RESULTS_DIR, resultsWebview, runCommand, treeRow, waitForRow, withPortLabInBrowser } from './harness';

const LAB_ID = 250;
const topo = labTopology(LAB_ID);
const TARGET = topo.target.address;
const TARGET6 = topo.target.address6;
const STATELESS = topo.stateless.address;
const ZOMBIE = topo.zombie.address;
const isRoot = process.getuid?.() === 0;

const shot = (page: Page, name: string) => page.screenshot({ path: join(RESULTS_DIR, name) });

/**
 * Palette → Scan Target… → `target` from the list → `technique` alone ticked (the settings tick Connect) →
 * `ports`; for the idle scan the zombie the dialog offers, which must be the lab's.
 */
async function scanFromPalette(page: Page, target: string, technique: string, ports: string): Promise<void> {
  // The scan before must have ended first: once, on a loaded machine, the next scan's target list was hidden while
  // the previous scan was ending (its notification going, its results arriving), and the click waited 30 s for it.
  await page.locator('.notifications-toasts .notification-toast', { hasText: 'Scanning ' }).first().waitFor({ state: 'hidden', timeout: 90_000 });
  await runCommand(page, 'PortLab: Scan Target…');
  const input = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-widget', { hasText: 'Scan which target?' }).waitFor();
  // The row whose label is exactly the address: 198.18.N.2 is not 198.18.N.20.
  await page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${target.replaceAll('.', '\\.')}\\s*$`) }) })
    .first()
    .click();
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await rows.filter({ hasText: 'Connect (-sT)' }).waitFor();
  for (const label of ['Connect (-sT)', technique]) {
    const row = rows.filter({ hasText: label }).first();
    const checked = (await row.getAttribute('aria-checked')) === 'true';
    if (checked !== (label === technique)) await row.click();
  }
  assert.deepEqual(
    // Each row has a label and a detail line; the labels are the technique names.
    (await page.locator('.quick-input-list .monaco-list-row[aria-checked="true"] .label-name').allTextContents())
      .map((t) => t.trim())
      .filter((t) => /\(-s[A-Z]\)$/.test(t)),
    [technique],
  );
  await input.press('Enter');
  await page.locator('.quick-input-widget', { hasText: 'Ports in nmap syntax' }).waitFor();
  await input.fill(ports);
  await input.press('Enter');
  if (technique !== 'Idle (-sI)') return;
  await page.locator('.quick-input-widget', { hasText: 'the idle scan’s zombie' }).waitFor();
  assert.equal(await input.inputValue(), ZOMBIE, "the dialog offers the lab's zombie");
  await input.press('Enter');
}

/** The row of the Targets tree for `address` itself (not one of its ports). */
function targetRow(page: Page, address: string): Locator {
  return page
    .locator('.pane-body .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${address.replaceAll('.', '\\.')}\\s*$`) }) })
    .first();
}

/** Every text of `svg` that reaches past its left or right edge: a clipped label, as the user would see it cut. */
function clippedTexts(frame: FrameLocator, svg: string): Promise<string[]> {
  return frame.locator(svg).evaluate((el) => {
    const width = (el as SVGSVGElement).viewBox.baseVal.width;
    return [...el.querySelectorAll('text')].flatMap((t) => {
      const box = t.getBBox();
      return box.width > 0 && (box.x < 0 || box.x + box.width > width)
        ? [`${t.textContent ?? ''} (${Math.round(box.x)}..${Math.round(box.x + box.width)} of ${width})`]
        : [];
    });
  });
}

/** A header field's shown name and value. */
async function field(frame: FrameLocator, layer: string, name: string): Promise<{ value: string; height: number }> {
  const g = frame.locator(`svg.header-diagram g[data-layer="${layer}"] g.field[data-field="${name}"]`).first();
  return {
    value: ((await g.locator('text.value').textContent()) ?? '').trim(),
    height: Number(await g.locator('rect').getAttribute('height')),
  };
}

test(
  "the editor's new techniques and IPv6: the lab's three hosts in the tree; an idle scan's three-lifeline ladder; the IPv6 header of a SYN scan's packet; an ACK scan of the stateless host",
  { skip: !isRoot && 'needs root: the lab sandbox uses network namespaces', timeout: 10 * 60_000 },
  async () =>
    withPortLabInBrowser(LAB_ID, { 'portlab.defaultTechniques': ['connect'], 'portlab.maxRetries': 1 }, async (page) => {
      await page.setViewportSize({ width: 1920, height: 1080 });
      await runCommand(page, 'PortLab: Start Lab Sandbox');
      // The lab's hosts a student scans: its target over IPv4 and IPv6, and the host behind the stateless firewall.
      for (const address of [TARGET, TARGET6, STATELESS]) await targetRow(page, address).waitFor({ timeout: 90_000 });
      assert.match((await targetRow(page, TARGET).textContent()) ?? '', new RegExp(`lab ${LAB_ID} target`));
      assert.match((await targetRow(page, TARGET6).textContent()) ?? '', new RegExp(`lab ${LAB_ID} target`));
      assert.match((await targetRow(page, STATELESS).textContent()) ?? '', new RegExp(`lab ${LAB_ID} stateless host`));
      assert.equal(await targetRow(page, ZOMBIE).count(), 0, 'the zombie is no scan target');
      await shot(page, 'e2e-techniques-lab-hosts.png');

      // (a) An idle scan of the target through the lab's zombie.
      await scanFromPalette(page, TARGET, 'Idle (-sI)', '22,23,25,80');
      for (const row of ['22/tcp open', '80/tcp open', '23/tcp closed|filtered', '25/tcp closed|filtered']) await waitForRow(page, row, 90_000);
      await runCommand(page, 'PortLab: Show Results');
      const results = resultsWebview(page);
      await results.locator(`tr[data-key="idle/${TARGET}/22"]`).click();
      const ladder = results.locator('svg.ladder');
      await ladder.waitFor({ timeout: 30_000 });
      assert.equal(await ladder.locator('line.lifeline').count(), 3, 'three lifelines');
      assert.deepEqual(
        (await ladder.locator('text.lifeline-title').allTextContents()).map((t) => t.trim()),
        ['scanner', `zombie ${ZOMBIE}`, `target ${TARGET}:22`],
      );
      // Each lifeline stands apart from the others: scanner, zombie, target from left to right.
      const xs = await ladder.locator('line.lifeline').evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('x1'))));
      assert.ok(xs[0]! < xs[1]! && xs[1]! < xs[2]!, xs.join());
      // The zombie's answers carry their IP IDs, each one more than the last within the round.
      const labels = (await ladder.locator('g.packet text.label').allTextContents()).map((t) => t.trim());
      const ipIds = labels.flatMap((l) => /^R · IP ID (\d+)$/.exec(l)?.[1] ?? []).map(Number);
      assert.equal(ipIds.length, 3, labels.join(' | '));
      assert.deepEqual(ipIds, [ipIds[0], ipIds[0]! + 1, ipIds[0]! + 2], 'an open port: the SYN/ACK to the zombie moved its IP ID by one');
      // What the scanner only infers (the target's SYN/ACK to the zombie, the zombie's RST) is dashed and says so.
      const inferred = ladder.locator('g.packet.inferred');
      assert.equal(await inferred.count(), 2);
      for (const dash of await inferred.locator('line.arrow').evaluateAll((ls) => ls.map((l) => getComputedStyle(l).strokeDasharray)))
        assert.notEqual(dash, 'none', 'an inferred packet is dashed');
      assert.equal(
        await ladder.locator('g.packet:not(.inferred) line.arrow').evaluateAll((ls) => ls.filter((l) => getComputedStyle(l).strokeDasharray !== 'none').length),
        0,
      );
      assert.equal(await inferred.locator('text.note', { hasText: 'inferred from the IP ID' }).count(), 2);
      assert.equal(await ladder.locator('g.packet text.note', { hasText: `source address spoofed: ${ZOMBIE}` }).count(), 1);
      await shot(page, 'e2e-techniques-idle-ladder.png');
      await ladder.screenshot({ path: join(RESULTS_DIR, 'e2e-techniques-idle-ladder-only.png') });
      assert.deepEqual(await clippedTexts(results, 'svg.ladder'), [], 'every word of the ladder inside it');

      // (b) A SYN scan of the target's IPv6 address; the SYN/ACK picked in the ladder shows its IPv6 header.
      await scanFromPalette(page, TARGET6, 'SYN (-sS)', '22,23,25,110');
      await treeRow(page, 'SYN (-sS)').filter({ hasText: '1 open' }).waitFor({ timeout: 90_000 });
      await results.locator(`tr[data-key="syn/${TARGET6}/22"]`).click();
      await results.locator('.details h2', { hasText: `syn · [${TARGET6}]:22/tcp — open (syn-ack)` }).waitFor({ timeout: 30_000 });
      assert.deepEqual(
        (await ladder.locator('g.packet text.label').allTextContents()).map((t) => t.trim()),
        ['S', 'SA', 'R'],
      );
      await ladder.locator('g.packet[data-index="1"]').click();
      await ladder.locator('g.packet.selected[data-index="1"]').waitFor();
      const diagram = results.locator('svg.header-diagram');
      await diagram.locator('g[data-layer="IPv6"]').waitFor({ timeout: 30_000 });
      assert.deepEqual(await diagram.locator('g.layer').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-layer'))), ['IPv6', 'TCP']);
      assert.equal((await field(results, 'IPv6', 'Version')).value, '6');
      assert.match((await field(results, 'IPv6', 'Flow Label')).value, /^0x[0-9a-f]{5}$/);
      assert.equal((await field(results, 'IPv6', 'Next Header')).value, '6 TCP');
      assert.match((await field(results, 'IPv6', 'Hop Limit')).value, /^\d+$/);
      // The SYN/ACK came from the target to the scanner: both 128-bit addresses whole, each a box four rows tall.
      const source = await field(results, 'IPv6', 'Source Address');
      const destination = await field(results, 'IPv6', 'Destination Address');
      assert.deepEqual([source.value, destination.value], [TARGET6, topo.scanner.address6]);
      const rowHeight = (await field(results, 'IPv6', 'Payload Length')).height;
      assert.deepEqual([source.height, destination.height], [4 * rowHeight, 4 * rowHeight]);
      assert.deepEqual(await field(results, 'TCP', 'SYN').then((f) => f.value), '1');
      await shot(page, 'e2e-techniques-ipv6-header.png');
      await diagram.screenshot({ path: join(RESULTS_DIR, 'e2e-techniques-ipv6-header-only.png') });
      assert.deepEqual(await clippedTexts(results, 'svg.ladder'), [], 'every word of the IPv6 ladder inside it');

      // (c) An ACK scan of the stateless host: what its firewall lets through is unfiltered, what it drops filtered.
      await scanFromPalette(page, STATELESS, 'ACK (-sA)', '22,23,25,80');
      for (const row of ['22/tcp unfiltered', '23/tcp unfiltered', '80/tcp unfiltered', '25/tcp filtered']) await waitForRow(page, row, 90_000);
      const ack = treeRow(page, 'ACK (-sA)');
      assert.match((await ack.textContent()) ?? '', /3 unfiltered · 1 filtered/);
      await ack.scrollIntoViewIfNeeded();
      await shot(page, 'e2e-techniques-ack-stateless.png');
      await results.locator(`tr[data-key="ack/${STATELESS}/80"]`).click();
      await results.locator('.details h2', { hasText: `ack · ${STATELESS}:80/tcp — unfiltered (reset)` }).waitFor({ timeout: 30_000 });
      assert.deepEqual(
        (await ladder.locator('g.packet text.label').allTextContents()).map((t) => t.trim()),
        ['A', 'R'],
      );
      await shot(page, 'e2e-techniques-ack-results.png');
    }),
);
