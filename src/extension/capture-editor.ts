import * as vscode from 'vscode';
import { CaptureWebviewToHost, type CaptureHostToWebview, type CaptureView, type PacketHeaders } from '../protocol/webview';
import { readCapture, type CaptureContents } from '../wire/pcap';
import { captureView } from './capture-analysis';
import { frameHeaders } from './packet-headers';
import { reportLangFor } from './report-lang';
import { webviewHtml, webviewOptions } from './webview-html';
import { webviewStrings } from './webview-strings';

export const CAPTURE_VIEW_TYPE = 'portlab.capture';

/** A capture file as the editor holds it: its packets, read once, and their analysis, made on first show. */
class CaptureDocument implements vscode.CustomDocument {
  private shown: { view: CaptureView } | { error: string } | undefined;

  constructor(
    readonly uri: vscode.Uri,
    private readonly contents: CaptureContents | { readError: string },
  ) {}

  /** The analysis, or why the file cannot be analysed. */
  view(): { view: CaptureView } | { error: string } {
    this.shown ??=
      'readError' in this.contents ? { error: this.contents.readError } : captureView(this.contents, this.uri.fsPath, reportLangFor(vscode.env.language));
    return this.shown;
  }

  /** The headers of frame `frame` of the file, for the header diagram. */
  headers(frame: number): PacketHeaders {
    if ('readError' in this.contents) return { error: this.contents.readError };
    try {
      return { layers: frameHeaders(this.contents, frame) };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }

  dispose(): void {}
}

/**
 * Opens .pcap, .pcapng and .cap files in PortLab: the exchanges of every port scan in the file, checked
 * against the textbook, with their ladders and headers. Read-only; the analysis runs in the extension
 * host and needs no privilege.
 */
export class CaptureEditorProvider implements vscode.CustomReadonlyEditorProvider<CaptureDocument> {
  static register(context: vscode.ExtensionContext): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(CAPTURE_VIEW_TYPE, new CaptureEditorProvider(context.extensionUri), {
      supportsMultipleEditorsPerDocument: true,
    });
  }

  private constructor(private readonly extensionUri: vscode.Uri) {}

  async openCustomDocument(uri: vscode.Uri): Promise<CaptureDocument> {
    try {
      return new CaptureDocument(uri, readCapture(await vscode.workspace.fs.readFile(uri)));
    } catch (err) {
      return new CaptureDocument(uri, { readError: vscode.l10n.t('Cannot read {0}: {1}', uri.fsPath, err instanceof Error ? err.message : String(err)) });
    }
  }

  resolveCustomEditor(document: CaptureDocument, panel: vscode.WebviewPanel): void {
    panel.webview.options = webviewOptions(this.extensionUri);
    const name = document.uri.path.split('/').pop() ?? '';
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'capture-editor.js', name);
    const post = (message: CaptureHostToWebview) => void panel.webview.postMessage(message);
    const receiving = panel.webview.onDidReceiveMessage((raw: unknown) => {
      const parsed = CaptureWebviewToHost.safeParse(raw);
      if (!parsed.success) return;
      const m = parsed.data;
      if (m.type === 'ready') {
        post({ type: 'strings', inReplyTo: m.messageId, strings: webviewStrings() });
        const shown = document.view();
        post('view' in shown ? { type: 'capture', view: shown.view } : { type: 'captureError', error: shown.error });
      } else post({ type: 'packet', inReplyTo: m.messageId, headers: document.headers(m.frame) });
    });
    panel.onDidDispose(() => receiving.dispose());
  }
}
