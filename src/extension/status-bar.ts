import * as vscode from 'vscode';
import type { HelperPool } from './helper-pool';
import { statusText, type HelperInfo, type StatusWords } from './helper-status';

/** The click on the item: the helpers' details (registered with the other commands). */
const SHOW_HELPER_COMMAND = 'portlab.showHelper';

const WORDS: StatusWords = {
  scanHelper: (privilege) => vscode.l10n.t('helper ({0})', privilege),
  labHelper: (privilege) => vscode.l10n.t('lab helper ({0})', privilege),
  privilege: (p, user) =>
    p === 'root' ? vscode.l10n.t('root') : p === 'cap-net-raw' ? vscode.l10n.t('CAP_NET_RAW, as {0}', user) : vscode.l10n.t('no privileges, as {0}', user),
};

function detailLines(h: HelperInfo): string[] {
  return [
    h.role === 'lab' ? vscode.l10n.t('Lab helper') : vscode.l10n.t('Scan helper'),
    ...[
      vscode.l10n.t('started with: {0}', h.method),
      vscode.l10n.t('process: {0}, as {1}, {2}', h.pid, h.user, WORDS.privilege(h.privilege, h.user)),
      vscode.l10n.t('network namespace: {0}', h.netns ?? vscode.l10n.t('the host')),
      vscode.l10n.t('captures under: {0}', h.captureDir),
    ].map((line) => `  ${line}`),
  ];
}

/**
 * The status bar item that says which helper runs with which privilege ("PortLab: helper (CAP_NET_RAW,
 * as alice)"), hidden while none runs; a click writes the helpers' details and last stderr lines to the
 * PortLab Helper output, where the pool also logs each start and exit, and shows it.
 */
export class HelperStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('portlab.helper', vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly pool: HelperPool,
    private readonly output: vscode.OutputChannel,
  ) {
    this.item.name = vscode.l10n.t('PortLab helper');
    this.item.command = SHOW_HELPER_COMMAND;
    this.subscription = pool.onDidChange(() => this.update());
    this.update();
  }

  private update(): void {
    const helpers = this.pool.running();
    const text = statusText(helpers, WORDS);
    if (!text) return this.item.hide();
    this.item.text = `$(shield) ${text}`;
    this.item.tooltip = [...helpers.flatMap(detailLines), '', vscode.l10n.t('Click for the helper log.')].join('\n');
    this.item.show();
  }

  /** The click: details of each running helper and what it last wrote on stderr, in the output channel. */
  async showDetails(): Promise<void> {
    const helpers = this.pool.running();
    const tails = await this.pool.stderrTails();
    this.output.appendLine(`--- ${new Date().toISOString()}`);
    if (helpers.length === 0) this.output.appendLine(vscode.l10n.t('No PortLab helper is running.'));
    for (const h of helpers) {
      for (const line of detailLines(h)) this.output.appendLine(line);
      const tail = tails.get(h.role)?.trim();
      if (!tail) continue;
      this.output.appendLine(`  ${vscode.l10n.t('last lines it wrote on stderr:')}`);
      this.output.appendLine(tail.replace(/^/gm, '    '));
    }
    this.output.show(true);
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
