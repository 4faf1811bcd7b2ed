import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { labDown, labUp } from '../../src/lab';
import { launchChromium, ROOT, startCodeServer, type CodeServer } from './harness';

const LAB_ID = 52;
const isRoot = process.getuid?.() === 0;

test(
  'mocha suite in code-server’s real extension host (activation, commands, tree after a connect scan of the lab, the report folder, crowded states folded, settings, a helper killed mid-scan, the report once the lab is down)',
  { skip: !isRoot && 'needs root: the lab sandbox uses network namespaces', timeout: 10 * 60_000 },
  async () => {
    await esbuild.build({
      entryPoints: [join(ROOT, 'test/e2e/suite/index.ts')],
      outfile: join(ROOT, 'out/test/suite/index.js'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['vscode', 'mocha'],
      logLevel: 'warning',
    });
    let server: CodeServer | undefined;
    let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
    try {
      await labUp(LAB_ID);
      // No portlab.nodePath: the helper runs on the extension host's runtime (code-server's Node 24), which loads
      // the source tree's native layer (Node-API) built under this Node 20.
      server = await startCodeServer({ smokeTestDriver: true, settings: { 'portlab.lab.id': LAB_ID, 'portlab.maxRetries': 1 } });
      browser = await launchChromium();
      const page = browser.page;
      const console: string[] = [];
      page.on('console', (m) => console.push(m.text()));
      const exit = new Promise<number>((resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)));
      const remote = (p: string) => `vscode-remote://127.0.0.1:${server!.port}${p}`;
      const payload = JSON.stringify([
        ['extensionDevelopmentPath', remote(ROOT)],
        ['extensionTestsPath', remote(join(ROOT, 'out/test/suite/index'))],
      ]);
      await page.goto(`${server.url}?folder=${encodeURIComponent(server.workspace)}&payload=${encodeURIComponent(payload)}`);
      const timeout = new Promise<number>((_, reject) =>
        setTimeout(() => reject(new Error(`no result after 5 minutes:\n${console.join('\n')}`)), 5 * 60_000).unref(),
      );
      const code = await Promise.race([exit, timeout]);
      const report = console.filter((l) => /passing|failing|✔|✓|\d+\) |Error|assert/i.test(l)).join('\n');
      process.stdout.write(`${report}\n`);
      assert.equal(code, 0, `extension-host suite failed:\n${console.join('\n')}`);
      // Mocha's lines reach the page console with their %s/%d placeholders unfilled: count the ticks.
      assert.equal(console.filter((l) => l.includes('✔')).length, 9, report);
    } finally {
      await browser?.close().catch(() => undefined);
      await server?.stop().catch(() => undefined);
      if (isRoot) await labDown(LAB_ID).catch(() => undefined);
    }
  },
);
