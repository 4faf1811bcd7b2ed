import { basename, extname, join } from 'node:path';
import * as vscode from 'vscode';
import type { NodeRuntime } from '../helper/runtime';
import type { CheckView } from '../protocol/webview';
import { runCheckCli, type CheckCliOutcome } from './check-cli';
import { deviationsIn } from './check-deviations';
import type { CheckDiagnostics } from './check-diagnostics';
import { askCheck, type CheckChoice } from './check-dialog';
import { labUpForCheck, type CheckLab } from './check-lab';
import { isCommandLine, programCommandLine } from './check-program';
import type { CheckResults } from './check-results';
import { readSettings } from './config';
import { showHelperError, type HelperPool } from './helper-pool';
import { resolveNodeRuntime } from './node-path';
import { reportLangFor } from './report-lang';
import { ResultsPanel } from './results-panel';
import type { ResultsStore } from './results-store';
import { techniqueLabel } from './techniques';

/**
 * PortLab: Check My Scanner — runs the student's program (the file in the editor) once per lab port
 * through `portlab check`, then shows its answers beside the truth in the results panel and its
 * mistakes in the Problems panel.
 */
export class ScannerCheck {
  private running = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: ResultsStore,
    private readonly pool: HelperPool,
    private readonly checks: CheckResults,
    private readonly diagnostics: CheckDiagnostics,
  ) {}

  /** `resource`: the file of the editor title or Explorer menu; else the active editor's. */
  async run(resource?: unknown): Promise<CheckView | undefined> {
    if (this.running) return void vscode.window.showInformationMessage(vscode.l10n.t('A check is already running.'));
    const program = resource instanceof vscode.Uri ? resource : vscode.window.activeTextEditor?.document.uri;
    if (program?.scheme !== 'file')
      return void vscode.window.showErrorMessage(vscode.l10n.t('Open the scanner program to check (a Python file) in the editor first.'));
    const settings = readSettings();
    if (!isCommandLine(settings.checkCommand)) return void this.badSetting();
    const lab = labUpForCheck(settings.labId);
    if (!lab) return void this.noLab(settings.labId);
    let cliPath: string;
    try {
      cliPath = this.pool.requireCli();
    } catch (err) {
      return void showHelperError(err);
    }
    const name = basename(program.fsPath);
    const choice = await askCheck(name, lab);
    if (!choice) return undefined;
    // The checker runs the file on disk: what the student sees in the editor is what gets checked.
    await vscode.workspace.textDocuments.find((d) => d.uri.toString() === program.toString() && d.isDirty)?.save();
    this.running = true;
    try {
      const outDir = this.outDirFor(program);
      const outcome = await this.runWithProgress(name, lab, choice, {
        runtime: resolveNodeRuntime(settings.nodePath),
        cliPath,
        outDir,
        timeoutS: settings.checkTimeout,
        program: programCommandLine(settings.checkCommand, program.fsPath),
      });
      if ('failed' in outcome) {
        const { line, exitCode } = outcome.failed;
        void vscode.window.showErrorMessage(line ?? vscode.l10n.t('The check stopped with exit code {0} and said nothing.', exitCode ?? ''));
        return undefined;
      }
      if (outcome.warnings.length > 0) void vscode.window.showWarningMessage(outcome.warnings.join('; '));
      const document = deviationsIn(outcome.document, reportLangFor(vscode.env.language));
      this.diagnostics.show(program, document);
      const view = this.checks.record(name, outDir, document, outcome.partial);
      ResultsPanel.showCheck(this.context, this.store, this.checks);
      return view;
    } finally {
      this.running = false;
    }
  }

  private runWithProgress(
    name: string,
    lab: CheckLab,
    choice: CheckChoice,
    how: { runtime: NodeRuntime; cliPath: string; outDir: string; timeoutS: number; program: string[] },
  ): Thenable<CheckCliOutcome> {
    const title = vscode.l10n.t('Checking {0} ({1}) on lab {2}', name, techniqueLabel(choice.technique), lab.id);
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const stop = new AbortController();
      const cancel = token.onCancellationRequested(() => stop.abort());
      const total = choice.ports.length;
      let reported = 0;
      try {
        return await runCheckCli(
          { ...how, lab: lab.id, target: lab.target, technique: choice.technique, ports: choice.ports },
          (done) => {
            progress.report({ increment: ((done - reported) / total) * 100, message: vscode.l10n.t('{0}/{1} ports done', done, total) });
            reported = done;
          },
          stop.signal,
        );
      } finally {
        cancel.dispose();
      }
    });
  }

  /** Each program's runs go to a folder of their own beside it, where its captures can be opened. */
  private outDirFor(program: vscode.Uri): string {
    const folder = vscode.workspace.getWorkspaceFolder(program)?.uri.fsPath ?? this.context.globalStorageUri.fsPath;
    const stem = basename(program.fsPath, extname(program.fsPath));
    return join(folder, 'portlab-check', stem);
  }

  private async badSetting(): Promise<void> {
    const open = vscode.l10n.t('Open Settings');
    const choice = await vscode.window.showErrorMessage(
      vscode.l10n.t('The setting portlab.check.command must be a command line: a list of words, e.g. ["python3", "{file}", "{target}", "{port}"].'),
      open,
    );
    if (choice === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'portlab.check.command');
  }

  private async noLab(id: number): Promise<void> {
    const start = vscode.l10n.t('Start Lab Sandbox');
    const choice = await vscode.window.showErrorMessage(
      vscode.l10n.t('No lab sandbox is up: a program is checked against lab {0}’s target. Start it, then check again.', id),
      start,
    );
    if (choice === start) await vscode.commands.executeCommand('portlab.startLab');
  }
}
