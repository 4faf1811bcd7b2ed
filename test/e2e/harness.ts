import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Frame, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { labDown } from '../../src/lab';

export const ROOT = join(import.meta.dirname, '..', '..');
export const RESULTS_DIR = join(ROOT, 'test-results');

/** Where scripts/setup-e2e.sh put Node 24 and code-server (it installs them when missing). */
export function e2eTools(): { node24: string; codeServer: string } {
  const setup = spawnSync('bash', [join(ROOT, 'scripts', 'setup-e2e.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 });
  if (setup.status !== 0) throw new Error(`scripts/setup-e2e.sh failed with ${setup.status ?? setup.signal}`);
  const vars = Object.fromEntries(
    setup.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('=', 2) as [string, string]),
  );
  return { node24: vars.NODE24!, codeServer: vars.CODE_SERVER! };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** `npm run package`: the .vsix a student installs. */
export function packageVsix(): string {
  const run = spawnSync('bash', [join(ROOT, 'scripts', 'package.sh')], { cwd: ROOT, stdio: 'inherit', timeout: 10 * 60_000 });
  assert.equal(run.status, 0, 'npm run package failed');
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return join(ROOT, `portlab-${version}.vsix`);
}

export interface CodeServer {
  url: string;
  port: number;
  workspace: string;
  home: string;
  /** the PATH code-server, its extension host and the helpers run with */
  path: string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  vsix?: string;
  settings: Record<string, unknown>;
  /** code-server option for extension-host tests (see shared notes) */
  smokeTestDriver?: boolean;
  /** the editor's display language; 'zh-cn' installs the test language pack (test/fixtures/zh-cn-language-pack) */
  locale?: 'zh-cn';
  /**
   * run code-server (and so the extension and its helpers) as this user, not root, with folders under
   * `home` and no DISPLAY: a student over Remote-SSH. The .vsix must be readable by that user.
   */
  user?: { uid: number; gid: number; home: string };
  /**
   * a PATH on which no `node` is found (the system's programs but node, linked into a folder of the
   * run's): the extension host and its helpers have only code-server's own runtime, started by path
   */
  noNodeOnPath?: boolean;
}

/**
 * A folder with a link to every program of the system's bin folders except node: a PATH for a machine
 * without Node.js. Root's, readable by all, and outside the home that a student run chowns.
 */
function pathWithoutNode(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portlab-e2e-path-'));
  chmodSync(dir, 0o755);
  for (const bin of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])
    for (const name of existsSync(bin) ? readdirSync(bin) : [])
      if (!/^(node|nodejs|npm|npx|corepack)$/.test(name) && !existsSync(join(dir, name))) symlinkSync(join(bin, name), join(dir, name));
  return dir;
}

const LANGUAGE_PACK = join(ROOT, 'test', 'fixtures', 'zh-cn-language-pack');

/**
 * The fixture language pack as a .vsix. It declares zh-cn and translates none of VS Code's own strings
 * (Microsoft's pack comes from the marketplace, which is out of reach here): the editor then runs in
 * Simplified Chinese, and PortLab shows its own package.nls.zh-cn.json and l10n bundle as a student
 * with the real pack sees them.
 */
function languagePackVsix(dir: string): string {
  const out = join(dir, 'test-language-pack-zh-cn.vsix');
  const stage = join(dir, 'language-pack');
  cpSync(LANGUAGE_PACK, stage, { recursive: true });
  const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--allow-missing-repository', '--out', out], {
    cwd: stage,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`packaging the test language pack failed: ${run.stderr}${run.stdout}`);
  return out;
}

/**
 * What VS Code writes to languagepacks.json when a language pack is installed from its UI; code-server
 * does not when it is installed with --install-extension (coder/code-server#3372), and without it
 * --locale falls back to English.
 */
function registerLanguagePack(userData: string, extensionsDir: string): void {
  const pkg = JSON.parse(readFileSync(join(LANGUAGE_PACK, 'package.json'), 'utf8')) as {
    publisher: string;
    name: string;
    version: string;
    contributes: { localizations: { languageId: string; localizedLanguageName: string; translations: { id: string; path: string }[] }[] };
  };
  const id = `${pkg.publisher}.${pkg.name}`;
  const packs = Object.fromEntries(
    pkg.contributes.localizations.map((l) => [
      l.languageId,
      {
        hash: `${id}-${pkg.version}`.replace(/\W/g, ''),
        label: l.localizedLanguageName,
        extensions: [{ extensionIdentifier: { id }, version: pkg.version }],
        translations: Object.fromEntries(l.translations.map((t) => [t.id, join(extensionsDir, `${id}-${pkg.version}`, t.path)])),
      },
    ]),
  );
  writeFileSync(join(userData, 'languagepacks.json'), JSON.stringify(packs));
}

/**
 * Starts code-server on 127.0.0.1 with its own HOME, XDG folders and TMPDIR (it writes under all of
 * them), optionally with a .vsix installed first; resolves once /healthz answers.
 */
export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const { node24, codeServer } = e2eTools();
  const user = opts.user;
  const home = mkdtempSync(join(user?.home ?? tmpdir(), 'portlab-e2e-'));
  const dirs = { userData: join(home, 'user-data'), extensions: join(home, 'extensions'), workspace: join(home, 'workspace'), tmp: join(home, 'tmp') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(
    join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'workbench.tips.enabled': false,
        ...opts.settings,
      },
      null,
      2,
    ),
  );
  const noNodeDir = opts.noNodeOnPath ? pathWithoutNode() : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    TMPDIR: dirs.tmp,
    // code-server and its extension host run on Node 24, started by path; so does the helper (the extension host's runtime).
    PATH: noNodeDir ?? `${dirname(node24)}:${process.env.PATH ?? ''}`,
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  if (user) {
    spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, home]);
    // No display: pkexec has no agent to ask with, as over Remote-SSH.
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
  }
  const common = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
  const vsixes = [...(opts.vsix ? [opts.vsix] : []), ...(opts.locale ? [languagePackVsix(dirs.tmp)] : [])];
  for (const vsix of vsixes) {
    const install = spawnSync(node24, [codeServer, ...common, '--install-extension', vsix], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    if (install.status !== 0) throw new Error(`installing ${vsix} failed: ${install.stderr}${install.stdout}`);
  }
  if (opts.locale) registerLanguagePack(dirs.userData, dirs.extensions);
  const port = await freePort();
  const args = [
    codeServer,
    ...common,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
  ];
  if (opts.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  if (opts.locale) args.push('--locale', opts.locale);
  args.push(dirs.workspace);
  const child: ChildProcess = spawn(node24, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const stop = async () => {
    // code-server runs its extension host and helpers as children: its process group (ours) goes.
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const exited = new Promise((r) => child.once('exit', r));
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(home, { recursive: true, force: true });
    if (noNodeDir) rmSync(noNodeDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not start: ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url: `http://127.0.0.1:${port}/`, port, workspace: dirs.workspace, home, path: env.PATH!, stop };
}

export async function launchChromium(): Promise<{ page: Page; close(): Promise<void> }> {
  const userData = mkdtempSync(join(tmpdir(), 'portlab-chromium-'));
  const context = await chromium.launchPersistentContext(userData, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    close: async () => {
      await context.close();
      rmSync(userData, { recursive: true, force: true });
    },
  };
}

/** Opens the test workspace and the PortLab view, once the extension has activated (its empty tree's welcome, in `locale`). */
export async function openPortLabView(page: Page, server: CodeServer, locale: CodeServerOptions['locale']): Promise<void> {
  await page.goto(`${server.url}?folder=${encodeURIComponent(server.workspace)}`);
  const activity = page.locator('.activitybar [aria-label^="PortLab"]').first();
  await activity.waitFor({ timeout: 60_000 });
  await activity.click();
  const nls = JSON.parse(readFileSync(join(ROOT, locale ? `package.nls.${locale}.json` : 'package.nls.json'), 'utf8')) as Record<string, string>;
  await page.getByText(nls['portlab.welcome']!.split('\n')[0]!).waitFor();
}

/** Runs a command from the palette: "PortLab: Start Lab Sandbox". */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  // The palette matches loosely and lists recently used commands first, so the top row may be another
  // PortLab command: move the focus down to the row that is this one, then run it.
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first().waitFor();
  const focused = page.locator('.quick-input-list .monaco-list-row.focused');
  for (let i = 0; i < 20 && !((await focused.textContent().catch(() => '')) ?? '').includes(title); i++) await input.press('ArrowDown');
  assert.ok(((await focused.textContent()) ?? '').includes(title), `the palette offers ${title}`);
  await input.press('Enter');
}

/**
 * The packaged .vsix in code-server with `settings` and lab `labId`, shown in Chromium on the PortLab
 * view; `body` drives it. `workspaceFiles` (path in the workspace → contents) are there before the editor
 * opens it. The browser, code-server (with its helpers) and the lab go afterwards, also on failure.
 */
export async function withPortLabInBrowser(
  labId: number,
  settings: Record<string, unknown>,
  body: (page: Page, server: CodeServer) => Promise<void>,
  locale?: CodeServerOptions['locale'],
  workspaceFiles: Record<string, string | Uint8Array> = {},
): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const vsix = packageVsix();
  let server: CodeServer | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    server = await startCodeServer({ vsix, settings: { 'portlab.lab.id': labId, ...settings }, ...(locale ? { locale } : {}) });
    for (const [path, contents] of Object.entries(workspaceFiles)) {
      mkdirSync(dirname(join(server.workspace, path)), { recursive: true });
      writeFileSync(join(server.workspace, path), contents);
    }
    browser = await launchChromium();
    await openPortLabView(browser.page, server, locale);
    await body(browser.page, server);
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    await labDown(labId).catch(() => undefined);
  }
}

/** The first row of the Targets tree that shows `text`. */
export function treeRow(page: Page, text: string): Locator {
  return page.locator('.pane-body .monaco-list-row', { hasText: text }).first();
}

/** Waits for a row of the Targets tree that shows `text`. */
export async function waitForRow(page: Page, text: string, timeout = 60_000): Promise<void> {
  await treeRow(page, text).waitFor({ timeout });
}

/** The frame of the webview that holds `selector` (the results panel and the Markdown preview are both webviews). */
export async function webviewFrame(page: Page, selector: string, timeout = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const frame of page.frames())
      if (
        (await frame
          .locator(selector)
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    if (Date.now() > deadline) throw new Error(`no webview shows ${selector}`);
    await page.waitForTimeout(250);
  }
}

/** The Mermaid diagrams of a Markdown preview, drawn as SVG by whichever script draws them. */
export function mermaidDiagrams(preview: Frame): { flowcharts: Locator; sequences: Locator } {
  return { flowcharts: preview.locator('svg[aria-roledescription^="flowchart"]'), sequences: preview.locator('svg[aria-roledescription="sequence"]') };
}

/** The results panel's content (its webview's inner frame). */
export function resultsWebview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}
