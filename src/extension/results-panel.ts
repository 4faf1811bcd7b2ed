import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { PortResult } from '../protocol/scan';
import { resultKeyString, WebviewToHost, ResultsViewState, type HostToWebview, type ResultKey } from '../protocol/webview';
import { coalesce } from './coalesce';
import { readPacketHeaders } from './packet-headers';
import type { ResultsStore } from './results-store';
import { webviewStrings } from './webview-strings';

export const RESULTS_VIEW_TYPE = 'portlab.results';
const RESULTS_REPOST_MS = 1000;

/**
 * The results webview: a table of every result and, for the selected port, its ladder diagram and
 * the header diagram of the selected packet. One panel at a time; restored after a reload by the
 * serializer with the webview's own saved state.
 */
export class ResultsPanel implements vscode.Disposable {
  private static current: ResultsPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private pendingSelect: ResultKey | undefined;
  /** while a scan runs the table is refreshed once a second, not per port, and only while it can be seen */
  private readonly repost = coalesce(() => this.postResults(), RESULTS_REPOST_MS);
  /** results that arrived since the last post: all the webview needs when nothing left the store meanwhile */
  private readonly added = new Map<string, PortResult>();
  /** the store's removalCount when the webview last got every result; undefined while it holds none */
  private syncedAt: number | undefined;
  /** the webview's script runs and listens (it said 'ready'); a message posted before would be lost, and with it a selection */
  private ready = false;

  static show(context: vscode.ExtensionContext, store: ResultsStore, select?: ResultKey): ResultsPanel {
    if (ResultsPanel.current) {
      ResultsPanel.current.panel.reveal(undefined, true);
      ResultsPanel.current.pendingSelect = select;
      ResultsPanel.current.postResults();
      return ResultsPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(RESULTS_VIEW_TYPE, vscode.l10n.t('PortLab Results'), vscode.ViewColumn.Active, panelOptions(context));
    ResultsPanel.current = new ResultsPanel(context, store, panel, select);
    return ResultsPanel.current;
  }

  static revive(context: vscode.ExtensionContext, store: ResultsStore, panel: vscode.WebviewPanel, state: unknown): void {
    panel.webview.options = panelOptions(context);
    const saved = ResultsViewState.safeParse(state);
    ResultsPanel.current?.dispose();
    ResultsPanel.current = new ResultsPanel(context, store, panel, saved.success ? saved.data.selected : undefined);
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: ResultsStore,
    readonly panel: vscode.WebviewPanel,
    select: ResultKey | undefined,
  ) {
    this.pendingSelect = select;
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'portlab.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      store.onDidAddResult((r) => this.ready && this.added.set(resultKeyString(r), r)),
      store.onDidChange(() => panel.visible && this.repost.request()),
      // A hidden webview is destroyed (no retained context); shown again, it loads anew and says 'ready'.
      panel.onDidChangeViewState(() => panel.visible || this.forget()),
      { dispose: () => this.repost.dispose() },
    );
  }

  private receive(raw: unknown): void {
    const parsed = WebviewToHost.safeParse(raw);
    if (!parsed.success) return;
    const m = parsed.data;
    if (m.type === 'ready') {
      this.forget();
      this.ready = true;
      this.postResults();
    } else if (m.type === 'selectPacket') this.postPacket(m.key, m.index);
    else if (m.type === 'openCapture')
      void vscode.commands.executeCommand('portlab.openCapture', { kind: 'technique', target: m.key.target, technique: m.key.technique });
  }

  private forget(): void {
    this.ready = false;
    this.syncedAt = undefined;
    this.added.clear();
  }

  /**
   * Posts what the webview lacks: every result when it has none or some left the store, else only those
   * added since. Posting all of a 3000-port scan every second kept the editor's renderer busy enough that
   * commands (Stop Scan from the palette) took effect seconds late.
   */
  private postResults(): void {
    if (!this.ready) return;
    const replace = this.syncedAt !== this.store.removalCount;
    if (!replace && this.added.size === 0 && !this.pendingSelect) return;
    const results = replace ? this.store.allResults() : [...this.added.values()];
    const message: HostToWebview = { type: 'results', replace, results, l10n: webviewStrings(), ...(this.pendingSelect ? { select: this.pendingSelect } : {}) };
    this.added.clear();
    this.syncedAt = this.store.removalCount;
    this.pendingSelect = undefined;
    void this.panel.webview.postMessage(message);
  }

  private postPacket(key: ResultKey, index: number): void {
    const result = this.store.get(key.target)?.techniques.get(key.technique)?.results.get(key.port);
    const packet = result?.exchange[index];
    const capture = this.store.captureOf(key.target, key.technique);
    let message: HostToWebview;
    if (!packet?.frame || !capture)
      message = { type: 'packetError', key, index, message: vscode.l10n.t('This packet was not captured to a pcap, so its headers cannot be shown.') };
    else {
      try {
        message = { type: 'packet', key, index, layers: readPacketHeaders(capture, packet.frame) };
      } catch (err) {
        message = { type: 'packetError', key, index, message: err instanceof Error ? err.message : String(err) };
      }
    }
    void this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(18).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'out', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'media', 'results.css'));
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      // vscode-elements' Lit components adopt constructed stylesheets, which style-src governs only for <style>/<link>.
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}" nonce="${nonce}">
<title>${escapeHtml(vscode.l10n.t('PortLab Results'))}</title>
</head>
<body>
<main id="app"></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (ResultsPanel.current === this) ResultsPanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function panelOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'out'), vscode.Uri.joinPath(context.extensionUri, 'media')],
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
