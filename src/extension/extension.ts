import { join } from 'node:path';
import * as vscode from 'vscode';
import { CaptureEditorProvider } from './capture-editor';
import { ScannerCheck } from './check-command';
import { CheckDiagnostics } from './check-diagnostics';
import { CheckResults } from './check-results';
import { COMMAND_IDS, registerCommands } from './commands';
import { HelperPool } from './helper-pool';
import { LabControl } from './lab-control';
import { watchLabs } from './lab-watch';
import { ResultsPanel, RESULTS_VIEW_TYPE } from './results-panel';
import { ResultsStore } from './results-store';
import { ScanLauncher } from './scan-runner';
import { HelperStatusBar } from './status-bar';
import { TargetsTree, type TreeNode } from './targets-tree';

/**
 * What activate returns: the tree and the store, so that extension-host tests read what the user sees,
 * and the helpers, so that they can break one as a fault would.
 */
export interface PortLabApi {
  tree: TargetsTree;
  store: ResultsStore;
  helpers: HelperPool;
  commands: readonly string[];
}

export function activate(context: vscode.ExtensionContext): PortLabApi {
  const store = new ResultsStore(context.workspaceState);
  const helperLog = vscode.window.createOutputChannel(vscode.l10n.t('PortLab Helper'));
  const pool = new HelperPool(join(context.extensionPath, 'out', 'cli.js'), join(context.globalStorageUri.fsPath, 'captures'), (line) =>
    helperLog.appendLine(`${new Date().toISOString()} ${line}`),
  );
  const statusBar = new HelperStatusBar(pool, helperLog);
  const lab = new LabControl(pool, store);
  const runner = new ScanLauncher(pool, store);
  const checks = new CheckResults(context.workspaceState);
  const diagnostics = new CheckDiagnostics();
  const scannerCheck = new ScannerCheck(context, store, pool, checks, diagnostics);
  const tree = new TargetsTree(store);
  const view = vscode.window.createTreeView<TreeNode>('portlab.targets', { treeDataProvider: tree, showCollapseAll: true });
  const syncRunning = () => void vscode.commands.executeCommand('setContext', 'portlab.scanning', runner.isRunning());
  context.subscriptions.push(
    store,
    pool,
    helperLog,
    statusBar,
    watchLabs(store),
    runner,
    tree,
    view,
    runner.onDidChangeRunning(syncRunning),
    diagnostics,
    ...registerCommands({ context, store, pool, runner, lab, checks, scannerCheck, statusBar }),
    vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => ResultsPanel.revive(context, store, checks, panel, state),
    }),
    CaptureEditorProvider.register(context),
  );
  return { tree, store, helpers: pool, commands: COMMAND_IDS };
}

export function deactivate(): void {}
