import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import type { PortLabApi } from '../../../src/extension/extension';
import type { TreeNode } from '../../../src/extension/targets-tree';
import type { ScanSummary } from '../../../src/protocol/scan';

const EXTENSION_ID = 'portlab.portlab';

function settings(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('portlab');
}

async function api(): Promise<PortLabApi> {
  const ext = vscode.extensions.getExtension<PortLabApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  return ext.activate();
}

/** What the tree shows for a node: label, description and icon, as the user sees them. */
function shown(a: PortLabApi, node: TreeNode): { label: string; description: string; icon: string; colour?: string } {
  const item = a.tree.getTreeItem(node);
  const icon = item.iconPath as vscode.ThemeIcon;
  return { label: String(item.label), description: String(item.description ?? ''), icon: icon.id, ...(icon.color ? { colour: (icon.color as { id: string }).id } : {}) };
}

export function defineTests(root: Mocha.Suite): void {
  const suite = Mocha.Suite.create(root, 'PortLab in the extension host');
  const add = (title: string, fn: () => Promise<void>) => suite.addTest(new Mocha.Test(title, fn));
  const labId = settings().get<number>('lab.id', 0);
  const target = `198.18.${labId}.2`;

  add('activates and registers every command it contributes', async () => {
    const a = await api();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
    assert.deepEqual([...a.commands].sort(), [...contributed].sort());
  });

  add('a connect scan of the lab fills the tree: target → technique → ports with state icons and reasons', async () => {
    const a = await api();
    const captureDir = mkdtempSync(join(tmpdir(), 'portlab-captures-'));
    await settings().update('captureDirectory', captureDir, vscode.ConfigurationTarget.Global);
    const summary = (await vscode.commands.executeCommand('portlab.scanTarget', { target, techniques: ['connect'], ports: '22,23,25,80,110' })) as ScanSummary | undefined;
    assert.ok(summary, 'the scan ran');
    assert.equal(summary.partial, false);

    const targets = a.tree.getChildren();
    const targetNode = targets.find((n) => n.kind === 'target' && n.target === target)!;
    assert.ok(targetNode, `the tree lists ${target}`);
    assert.equal(shown(a, targetNode).label, target);
    const [technique] = a.tree.getChildren(targetNode);
    assert.equal(shown(a, technique!).label, 'Connect (-sT)');
    assert.match(shown(a, technique!).description, /2 open · 1 closed · 2 filtered/);
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
    assert.deepEqual(ports.slice(0, 4).map((p) => p.description), ['syn-ack', 'conn-refused', 'no-response', 'syn-ack']);
    assert.match(ports[4]!.description, /^(host-unreach|admin-prohibited)$/);
    // Setting respected: the capture went to portlab.captureDirectory.
    const capture = a.store.captureOf(target, 'connect');
    assert.ok(capture?.startsWith(captureDir), `the capture ${capture} is under ${captureDir}`);
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
}
