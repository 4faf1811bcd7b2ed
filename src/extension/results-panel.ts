import * as vscode from 'vscode';
import type { PortResult } from '../protocol/scan';
import {
  resultKeyString,
  WebviewToHost,
  ResultsViewState,
  type HostToWebview,
  type PacketHeaders,
  type ResultKey,
  type SelectPacketRequest,
} from '../protocol/webview';
import { CAPTURE_VIEW_TYPE } from './capture-editor';
import type { CheckResults } from './check-results';
import { coalesce } from './coalesce';
import { readPacketHeaders } from './packet-headers';
import type { ResultsStore } from './results-store';
import { webviewHtml, webviewOptions } from './webview-html';
import { webviewStrings } from './webview-strings';

export const RESULTS_VIEW_TYPE = 'portlab.results';
const RESULTS_REPOST_MS = 1000;

/**
 * The results webview: a table of every result and, for the selected port, its ladder diagram and
 * the header diagram of the selected packet; on a page of its own, the last check of a student's
 * program. One panel at a time; restored after a reload by the serializer with the webview's own
 * saved state.
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
  /** the check page is to be shown once the webview is ready */
  private showCheckOnReady = false;

  static show(context: vscode.ExtensionContext, store: ResultsStore, checks: CheckResults, select?: ResultKey): ResultsPanel {
    if (ResultsPanel.current) {
      ResultsPanel.current.panel.reveal(undefined, true);
      ResultsPanel.current.pendingSelect = select;
      ResultsPanel.current.postResults();
      return ResultsPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(RESULTS_VIEW_TYPE, vscode.l10n.t('PortLab Results'), vscode.ViewColumn.Active, panelOptions(context));
    ResultsPanel.current = new ResultsPanel(context, store, checks, panel, select);
    return ResultsPanel.current;
  }

  /** Shows the panel on its check page, with the last check. */
  static showCheck(context: vscode.ExtensionContext, store: ResultsStore, checks: CheckResults): ResultsPanel {
    const existed = ResultsPanel.current !== undefined;
    const shown = ResultsPanel.show(context, store, checks);
    if (existed) shown.postCheck(true);
    else shown.showCheckOnReady = true;
    return shown;
  }

  static revive(context: vscode.ExtensionContext, store: ResultsStore, checks: CheckResults, panel: vscode.WebviewPanel, state: unknown): void {
    panel.webview.options = panelOptions(context);
    const saved = ResultsViewState.safeParse(state);
    ResultsPanel.current?.dispose();
    ResultsPanel.current = new ResultsPanel(context, store, checks, panel, saved.success ? saved.data.selected : undefined);
  }

  private constructor(
    context: vscode.ExtensionContext,
    private readonly store: ResultsStore,
    private readonly checks: CheckResults,
    readonly panel: vscode.WebviewPanel,
    select: ResultKey | undefined,
  ) {
    this.pendingSelect = select;
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'portlab.svg');
    panel.webview.html = webviewHtml(panel.webview, context.extensionUri, 'webview.js', vscode.l10n.t('PortLab Results'));
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
      this.post({ type: 'strings', inReplyTo: m.messageId, strings: webviewStrings() });
      this.postResults();
      this.postCheck(this.showCheckOnReady);
      this.showCheckOnReady = false;
    } else if (m.type === 'selectPacket') this.post({ type: 'packet', inReplyTo: m.messageId, headers: this.packetHeaders(m) });
    else if (m.type === 'openCapture')
      void vscode.commands.executeCommand('portlab.openCapture', { kind: 'technique', target: m.key.target, technique: m.key.technique });
    else if (m.type === 'selectCheckPacket')
      this.post({ type: 'packet', inReplyTo: m.messageId, headers: this.checks.packetHeaders(m.checkId, m.key, m.index) });
    else if (m.type === 'openCheckCapture') {
      const capture = this.checks.capturePath(m.checkId, m.key);
      if (capture) void vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(capture), CAPTURE_VIEW_TYPE);
    }
  }

  /** Posts the last check, if there is one; `show`: turn to its page. */
  private postCheck(show: boolean): void {
    const check = this.checks.latest;
    if (this.ready && check) this.post({ type: 'check', check, show });
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
    const message: HostToWebview = { type: 'results', replace, results, ...(this.pendingSelect ? { select: this.pendingSelect } : {}) };
    this.added.clear();
    this.syncedAt = this.store.removalCount;
    this.pendingSelect = undefined;
    this.post(message);
  }

  private packetHeaders({ key, index }: SelectPacketRequest): PacketHeaders {
    const result = this.store.get(key.target)?.techniques.get(key.technique)?.results.get(key.port);
    const packet = result?.exchange[index];
    const capture = this.store.captureOf(key.target, key.technique);
    if (!packet?.frame || !capture) return { error: vscode.l10n.t('This packet was not captured to a pcap, so its headers cannot be shown.') };
    try {
      return { layers: readPacketHeaders(capture, packet.frame) };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }

  private post(message: HostToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (ResultsPanel.current === this) ResultsPanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function panelOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { ...webviewOptions(context.extensionUri), retainContextWhenHidden: false };
}
