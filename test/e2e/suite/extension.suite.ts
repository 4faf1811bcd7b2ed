import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { formatReportDate, localTimeZone } from '../../../src/report/report-date';
import type { PortLabApi } from '../../../src/extension/extension';
import type { TreeNode } from '../../../src/extension/targets-tree';
import type { ScanSummary } from '../../../src/protocol/scan';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `ok` holds, failing with `what` after `ms`. */
async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const EXTENSION_ID = 'portlab.portlab';

function settings(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('portlab');
}

async function api(): Promise<PortLabApi> {
  const ext = vscode.extensions.getExtension<PortLabApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  return ext.activate();
}

/**
 * The messages the extension shows while `body` runs, as the user reads them. The real calls go on
 * (the notifications appear): this only listens.
 */
async function withShownMessages<T>(body: (shown: { error: string[]; info: string[] }) => Promise<T>): Promise<T> {
  const shown = { error: [] as string[], info: [] as string[] };
  const window = vscode.window as { showErrorMessage: (...args: unknown[]) => unknown; showInformationMessage: (...args: unknown[]) => unknown };
  const { showErrorMessage, showInformationMessage } = window;
  window.showErrorMessage = (message: unknown, ...rest: unknown[]) => (
    shown.error.push(String(message)),
    showErrorMessage.call(vscode.window, message, ...rest)
  );
  window.showInformationMessage = (message: unknown, ...rest: unknown[]) => (
    shown.info.push(String(message)),
    showInformationMessage.call(vscode.window, message, ...rest)
  );
  try {
    return await body(shown);
  } finally {
    Object.assign(window, { showErrorMessage, showInformationMessage });
  }
}

/** What the tree shows for a node: label, description and icon, as the user sees them. */
function shown(a: PortLabApi, node: TreeNode): { label: string; description: string; icon: string; colour?: string } {
  const item = a.tree.getTreeItem(node);
  const icon = item.iconPath as vscode.ThemeIcon;
  return {
    label: String(item.label),
    description: String(item.description ?? ''),
    icon: icon.id,
    ...(icon.color ? { colour: (icon.color as { id: string }).id } : {}),
  };
}

export function defineTests(root: Mocha.Suite): void {
  const suite = Mocha.Suite.create(root, 'PortLab in the extension host');
  const add = (title: string, fn: () => Promise<void>) => suite.addTest(new Mocha.Test(title, fn));
  const labId = settings().get<number>('lab.id', 0);
  const target = `198.18.${labId}.2`;

  add('activates and registers every command it contributes', async () => {
    const a = await api();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    const contributed = (
      vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string }[] } }
    ).contributes.commands.map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      contributed.filter((c) => !registered.has(c)),
      [],
    );
    assert.deepEqual([...a.commands].sort(), [...contributed].sort());
  });

  add('a connect scan of the lab fills the tree: target → technique → ports with state icons and reasons', async () => {
    const a = await api();
    const captureDir = mkdtempSync(join(tmpdir(), 'portlab-captures-'));
    await settings().update('captureDirectory', captureDir, vscode.ConfigurationTarget.Global);
    const summary = (await vscode.commands.executeCommand('portlab.scanTarget', { target, techniques: ['connect'], ports: '22,23,25,80,110' })) as
      ScanSummary | undefined;
    assert.ok(summary, 'the scan ran');
    assert.equal(summary.partial, false);

    const targets = a.tree.getChildren();
    const targetNode = targets.find((n) => n.kind === 'target' && n.target === target)!;
    assert.ok(targetNode, `the tree lists ${target}`);
    assert.equal(shown(a, targetNode).label, target);
    const [technique] = a.tree.getChildren(targetNode);
    assert.equal(shown(a, technique!).label, 'Connect (-sT)');
    assert.match(shown(a, technique!).description, /^2 open · 2 filtered …$/);
    const ports = a.tree.getChildren(technique).map((n) => shown(a, n));
    assert.deepEqual(
      ports.map((p) => [p.label, p.icon, p.colour]),
      [
        ['22/tcp open', 'pass-filled', 'charts.green'],
        ['23/tcp closed', 'error', 'charts.red'],
        ['25/tcp filtered', 'shield', 'charts.yellow'],
        ['80/tcp open', 'pass-filled', 'charts.green'],
        ['110/tcp filtered', 'shield', 'charts.yellow'],
      ],
    );
    assert.deepEqual(
      ports.slice(0, 4).map((p) => p.description),
      ['syn-ack', 'conn-refused', 'no-response', 'syn-ack'],
    );
    assert.match(ports[4]!.description, /^(host-unreach|admin-prohibited)$/);
    // Setting respected: the capture went to portlab.captureDirectory.
    const capture = a.store.captureOf(target, 'connect');
    assert.ok(capture?.startsWith(captureDir), `the capture ${capture} is under ${captureDir}`);
  });

  add('Generate Lab Report writes the report of the scans, with its captures beside it, and opens it as one Markdown preview, reused', async () => {
    const a = await api();
    // The lab describes itself to the store while it is scanned, for the report.
    await until('the lab description', () => a.store.get(target)?.lab !== undefined);
    const uri = (await vscode.commands.executeCommand('portlab.generateReport')) as vscode.Uri | undefined;
    assert.ok(uri && existsSync(uri.fsPath), `the report was written: ${uri?.fsPath}`);
    // A folder to hand in, as `portlab scan --out` writes one: the report, its results and lab, and the pcap it links to.
    const folder = dirname(uri.fsPath);
    assert.equal(folder, join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'portlab-report', target));
    assert.deepEqual(readdirSync(folder).sort(), ['connect.pcap', 'lab.json', basename(uri.fsPath), 'results.json'].sort());
    assert.ok(readFileSync(join(folder, 'connect.pcap')).equals(readFileSync(a.store.captureOf(target, 'connect')!)), 'the capture is copied');
    const text = readFileSync(uri.fsPath, 'utf8');
    // The UI is in English here, so the report is too.
    assert.equal(vscode.env.language, 'en');
    assert.match(text, /^# Port scanning lab report$/m);
    for (const section of ['Environment', 'Topology', 'Summary', 'Analysis']) assert.match(text, new RegExp(`^## .*${section}`, 'm'), section);
    // The lab's ports as scanned above, with their states.
    for (const [port, state] of [
      [22, 'open'],
      [23, 'closed'],
      [25, 'filtered'],
      [80, 'open'],
      [110, 'filtered'],
    ] as const)
      assert.match(text, new RegExp(`^\\| ${port}/tcp \\|.*\\| ${state} \\|`, 'm'), `${port} ${state}`);
    assert.match(text, /198\.18\.\d+\.2/);
    assert.match(text, /\[connect\.pcap\]\(connect\.pcap\)/, 'the capture is linked beside the report');
    // The tool and version, as the CLI names them; the date the scan started, not when the report was written.
    const version = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { version: string }).version;
    assert.ok(text.includes(`portlab ${version}`), `the report names portlab ${version}`);
    const startedAt = a.store.get(target)?.techniques.get('connect')?.startedAt;
    const when = startedAt && formatReportDate(startedAt, 'en', localTimeZone());
    assert.ok(when && text.includes(`| ${when} |`), `the scan date is the scan's start, ${when}, in the local zone`);
    // The lab's firewall rules, quoted from the lab as it was scanned.
    const { ruleset } = a.store.get(target)!.lab!;
    assert.match(ruleset, /tcp dport 25 drop/);
    assert.ok(text.includes(ruleset.trimEnd()), 'the report quotes the lab ruleset');
    // The same scans, the same report.
    await vscode.commands.executeCommand('portlab.generateReport');
    assert.equal(readFileSync(uri.fsPath, 'utf8'), text);
    const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => ({ t, column: g.viewColumn })));
    const isPreview = (t: vscode.Tab) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('markdown.preview');
    // The preview's webview tab opens a moment after the command returns: one preview, no source editor beside it.
    await until('the Markdown preview tab', () => tabs().some(({ t }) => isPreview(t)));
    const previews = tabs().filter(({ t }) => isPreview(t));
    const source = tabs().find(({ t }) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath === uri.fsPath);
    assert.equal(
      previews.length,
      1,
      `one preview after generating twice: ${tabs()
        .map(({ t }) => t.label)
        .join(', ')}`,
    );
    assert.equal(source, undefined, 'the report opens as its preview alone');
    const preview = previews[0]!;
    assert.match(preview.t.label, /report-198\.18\.\d+\.2\.md/);
  });

  add('a scan of many ports folds a state with more than 25 ports into one row, as nmap\'s "Not shown" line, listing the rest', async () => {
    const a = await api();
    const summary = (await vscode.commands.executeCommand('portlab.scanTarget', { target, techniques: ['connect'], ports: '1-120' })) as
      ScanSummary | undefined;
    assert.ok(summary && !summary.partial, 'the scan ran to its end');
    const technique = a.tree
      .getChildren(a.tree.getChildren().find((n) => n.kind === 'target' && n.target === target))
      .find((n) => n.kind === 'technique' && n.technique === 'connect')!;
    const rows = a.tree.getChildren(technique);
    assert.deepEqual(
      rows.map((n) => [shown(a, n).label, shown(a, n).icon]),
      [
        ['22/tcp open', 'pass-filled'],
        ['25/tcp filtered', 'shield'],
        ['53/tcp open', 'pass-filled'],
        ['80/tcp open', 'pass-filled'],
        ['110/tcp filtered', 'shield'],
        ['115 closed tcp ports', 'error'],
      ],
    );
    const group = rows.at(-1)!;
    assert.equal(shown(a, group).description, 'conn-refused');
    assert.equal(a.tree.getTreeItem(group).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed, 'the folded ports wait to be asked for');
    const folded = a.tree.getChildren(group);
    assert.equal(folded.length, 115);
    assert.ok(folded.every((n) => n.kind === 'port' && n.result.state === 'closed' && a.tree.getParent(n)?.kind === 'portGroup'));
    assert.ok(folded.some((n) => shown(a, n).label === '23/tcp closed'));
    // A port's tooltip (its exchange) is made when it is hovered.
    const port23 = folded.find((n) => shown(a, n).label === '23/tcp closed')!;
    const tooltip = a.tree.resolveTreeItem(a.tree.getTreeItem(port23), port23).tooltip as vscode.MarkdownString;
    assert.match(tooltip.value, /S → RA/);
    // Rescan on the folded row scans exactly its ports again.
    const again = (await vscode.commands.executeCommand('portlab.rescan', group)) as ScanSummary | undefined;
    assert.ok(again && !again.partial);
    const after = a.tree.getChildren(technique);
    assert.deepEqual(
      after.map((n) => shown(a, n).label),
      ['115 closed tcp ports'],
    );
    assert.deepEqual(
      a.tree.getChildren(after[0]).map((n) => (n.kind === 'port' ? n.result.port : -1)),
      folded.map((n) => (n.kind === 'port' ? n.result.port : -1)),
    );
  });

  add('settings are respected: portlab.nodePath runs the helper, a wrong one stops the scan', async () => {
    const a = await api();
    const good = settings().get<string>('nodePath');
    await settings().update('nodePath', '/nonexistent/node', vscode.ConfigurationTarget.Global);
    try {
      const summary = await vscode.commands.executeCommand('portlab.scanTarget', { target, techniques: ['connect'], ports: '443' });
      assert.equal(summary, undefined, 'no helper, no scan');
      assert.equal(a.store.get(target)?.techniques.get('connect')?.results.has(443), false);
    } finally {
      await settings().update('nodePath', good, vscode.ConfigurationTarget.Global);
    }
    const summary = (await vscode.commands.executeCommand('portlab.scanTarget', { target, techniques: ['connect'], ports: '443' })) as ScanSummary | undefined;
    assert.ok(summary);
    assert.equal(a.store.get(target)?.techniques.get('connect')?.results.get(443)?.state, 'closed');
  });

  add('Stop Scan cancels a running scan: the results so far stay, the scan ends partial', async () => {
    const a = await api();
    const rate = settings().get<number>('rate');
    await settings().update('rate', 20, vscode.ConfigurationTarget.Global);
    try {
      // 2000 ports at 20 probes/s: about 100 s unless stopped.
      const scan = vscode.commands.executeCommand('portlab.scanTarget', { target, techniques: ['connect'], ports: '1000-2999' }) as Thenable<
        ScanSummary | undefined
      >;
      const found = () => [...(a.store.get(target)?.techniques.get('connect')?.results.keys() ?? [])].filter((p) => p >= 1000).length;
      await until('the first results', () => found() >= 5);
      const started = Date.now();
      await vscode.commands.executeCommand('portlab.stopScan');
      const summary = await scan;
      assert.ok(Date.now() - started < 5000, `stopped in ${Date.now() - started} ms`);
      assert.equal(summary?.partial, true);
      const kept = found();
      assert.ok(kept >= 5 && kept < 2000, `${kept} of 2000 ports kept`);
      const [technique] = a.tree.getChildren(a.tree.getChildren().find((n) => n.kind === 'target' && n.target === target));
      const listed = a.tree.getChildren(technique).flatMap((n) => (n.kind === 'portGroup' ? a.tree.getChildren(n) : [n]));
      assert.ok(listed.length >= kept, 'the tree still lists the ports found before the stop');
    } finally {
      await settings().update('rate', rate, vscode.ConfigurationTarget.Global);
    }
  });

  add('Open Capture shows the capture in a terminal with tshark, which stays open', async () => {
    await api();
    const before = new Set(vscode.window.terminals);
    await vscode.commands.executeCommand('portlab.openCapture', { kind: 'technique', target, technique: 'connect' });
    await until('a PortLab capture terminal', () => vscode.window.terminals.some((t) => !before.has(t) && t.name === 'PortLab capture'));
    const terminal = vscode.window.terminals.find((t) => !before.has(t))!;
    // tshark reads the whole file in well under this; a terminal that ended with it would be gone.
    await sleep(3000);
    assert.ok(vscode.window.terminals.includes(terminal), 'the terminal is still open');
    assert.equal(terminal.exitStatus, undefined);
    terminal.dispose();
  });

  add(
    'a helper killed mid-scan (SIGKILL) ends the scan: no progress left spinning, the technique partial with its capture, an error that says so, and the next scan starts a new helper',
    async () => {
      const a = await api();
      // The helper a connect scan of the lab uses: the pool's, in the lab's scanner namespace.
      const scanHelper = async () => a.helpers.get({ raw: false, netns: `portlab${labId}-scanner` });
      const rate = settings().get<number>('rate');
      await settings().update('rate', 20, vscode.ConfigurationTarget.Global);
      try {
        await withShownMessages(async (messages) => {
          // 2000 ports at 20 probes/s: about 100 s unless something ends it.
          const scan = vscode.commands.executeCommand('portlab.scanTarget', { target, techniques: ['connect'], ports: '3000-4999' }) as Thenable<
            ScanSummary | undefined
          >;
          const found = () => [...(a.store.get(target)?.techniques.get('connect')?.results.keys() ?? [])].filter((p) => p >= 3000).length;
          await until('the first results', () => found() >= 5);
          const { pid } = await (await scanHelper()).hello();
          // Only that process: the helper, as its own hello names it.
          assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /cli\.js\0helper\0/);
          const killedAt = Date.now();
          process.kill(pid, 'SIGKILL');
          const summary = await scan;
          assert.ok(Date.now() - killedAt < 5000, `the scan ended ${Date.now() - killedAt} ms after the kill`);
          assert.equal(summary, undefined, 'the scan did not finish');

          // The tree: the technique no longer scanning, marked partial, still listing what was found.
          const targetNode = a.tree.getChildren().find((n) => n.kind === 'target' && n.target === target)!;
          const technique = a.tree.getChildren(targetNode).find((n) => n.kind === 'technique' && n.technique === 'connect')!;
          assert.notEqual(shown(a, technique).icon, 'loading~spin');
          assert.match(shown(a, technique).description, /\(partial\)$/);
          const kept = found();
          assert.ok(kept >= 5 && kept < 2000, `${kept} of 2000 ports kept`);
          // The capture the helper wrote until it died is the technique's, and it reads.
          const capture = a.store.captureOf(target, 'connect');
          assert.ok(capture && existsSync(capture), `the partial capture is kept: ${capture}`);
          const tshark = spawnSync('tshark', ['-n', '-r', capture], { encoding: 'utf8' });
          if (!tshark.error) assert.ok(tshark.stdout.includes('SYN'), `tshark reads the partial capture: ${tshark.stderr}`);

          // One error, saying what happened; and nothing left running: Stop Scan finds no scan.
          await until('the error message', () => messages.error.length > 0);
          assert.equal(messages.error.length, 1, messages.error.join('\n'));
          assert.match(
            messages.error[0]!,
            new RegExp(`^The scan of ${target.replace(/\./g, '\\.')} stopped: the PortLab helper was killed by SIGKILL.*marked partial\\.$`),
          );
          await vscode.commands.executeCommand('portlab.stopScan');
          assert.deepEqual(messages.info, ['No scan is running.']);

          // The next scan starts a new helper and runs to its end.
          const again = (await vscode.commands.executeCommand('portlab.scanTarget', { target, techniques: ['connect'], ports: '22,23' })) as
            ScanSummary | undefined;
          assert.ok(again && !again.partial, 'the next scan ran to its end');
          assert.notEqual((await (await scanHelper()).hello()).pid, pid, 'a new helper');
          assert.equal(a.store.get(target)?.techniques.get('connect')?.results.get(22)?.state, 'open');
          assert.equal(a.store.get(target)?.techniques.get('connect')?.results.get(23)?.state, 'closed');
          assert.doesNotMatch(shown(a, technique).description, /partial/);
        });
      } finally {
        await settings().update('rate', rate, vscode.ConfigurationTarget.Global);
      }
    },
  );

  add('the report stays the same once the lab is down, and writing it starts no helper', async () => {
    const a = await api();
    await until('the lab description', () => a.store.get(target)?.lab !== undefined);
    const uri = (await vscode.commands.executeCommand('portlab.generateReport')) as vscode.Uri;
    const before = readFileSync(uri.fsPath, 'utf8');
    assert.equal(await vscode.commands.executeCommand('portlab.stopLab', labId), true, 'the lab was removed');
    const started: unknown[] = [];
    const { get } = a.helpers;
    a.helpers.get = (needs) => (started.push(needs), get.call(a.helpers, needs));
    try {
      await vscode.commands.executeCommand('portlab.generateReport');
    } finally {
      a.helpers.get = get;
    }
    assert.deepEqual(started, [], 'no helper asked for');
    assert.equal(readFileSync(uri.fsPath, 'utf8'), before);
    assert.match(before, /tcp dport 25 drop/);
  });
}
