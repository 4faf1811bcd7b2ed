import { join } from 'node:path';
import * as vscode from 'vscode';
import { TOOL } from '../base/version';
import type { ScanDocument, Technique } from '../protocol/scan';
import { writeReportFolder } from './report-folder';
import { reportLangFor } from './report-lang';
import type { TargetEntry } from './results-store';
import type { Services } from './services';

/**
 * Writes the lab report of one target's results, with copies of what it links to, into
 * <workspace>/portlab-report/<target>/ and opens it. Everything comes from the store (results, scan
 * times, the lab as it was when scanned): the same scans give the same report, lab up or down.
 */
export async function generateReport(s: Services): Promise<vscode.Uri | undefined> {
  const targets = s.store.list().filter((t) => [...t.techniques.values()].some((te) => te.results.size > 0));
  if (targets.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to report yet: scan a target first.'));
    return undefined;
  }
  const address =
    targets.length === 1
      ? targets[0]!.address
      : await vscode.window.showQuickPick(
          targets.map((t) => t.address),
          { title: vscode.l10n.t('Report on which target?') },
        );
  const entry = address ? s.store.get(address) : undefined;
  if (!entry) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? s.pool.captureDir();
  const written = await writeReportFolder(
    join(folder, 'portlab-report', entry.address),
    `report-${entry.address}.md`,
    reportFolderInput(entry),
    reportLangFor(vscode.env.language),
  );
  if (written.unreadable.length > 0)
    void vscode.window.showWarningMessage(
      vscode.l10n.t(
        'The report was written without {0}: the capture could not be read ({1}).',
        written.unreadable.map((u) => u.path).join(', '),
        written.unreadable.map((u) => u.problem).join('; '),
      ),
    );
  const uri = vscode.Uri.file(written.path);
  // Rendered only, in the active editor group: its tables need the width a source editor beside it would
  // take. The Markdown extension reuses its preview of the same file, so a new report replaces the old one;
  // the preview's "Open Source" button gives the student the file to fill in their name.
  await vscode.commands.executeCommand('markdown.showPreview', uri);
  return uri;
}

/** The report's input as the store holds it; its date is when the latest of the reported scans started. */
function reportFolderInput(entry: TargetEntry) {
  const reported = [...entry.techniques.values()].filter((te) => te.results.size > 0);
  const results = reported.flatMap((te) => [...te.results.values()].sort((a, b) => a.port - b.port));
  const startedAt =
    reported
      .flatMap((te) => (te.startedAt ? [te.startedAt] : []))
      .sort()
      .at(-1) ?? '';
  const doc: ScanDocument = { tool: TOOL, startedAt, ...(entry.scanner ? { scanner: entry.scanner } : {}), results };
  const captures: Partial<Record<Technique, string>> = {};
  for (const te of reported) if (te.capture) captures[te.technique] = te.capture;
  return { doc, captures, ...(entry.lab ? { lab: entry.lab } : {}) };
}
