import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import type { ScanDocument, Technique } from '../protocol/scan';
import { renderReport, type ReportInput } from '../report/render';
import type { Services } from './commands';

/**
 * Writes the lab report of one target's results next to the captures (or in the workspace) and
 * opens it. The report module renders; this only gathers what it needs from the store and the lab.
 */
export async function generateReport(s: Services): Promise<vscode.Uri | undefined> {
  const targets = s.store.list().filter((t) => [...t.techniques.values()].some((te) => te.results.size > 0));
  if (targets.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to report yet: scan a target first.'));
    return undefined;
  }
  const address = targets.length === 1 ? targets[0]!.address : (await vscode.window.showQuickPick(targets.map((t) => t.address), { title: vscode.l10n.t('Report on which target?') }));
  const entry = address ? s.store.get(address) : undefined;
  if (!entry) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? s.pool.captureDir();
  const reportPath = join(folder, 'portlab-report', `report-${entry.address}.md`);
  mkdirSync(dirname(reportPath), { recursive: true });

  const results = [...entry.techniques.values()].flatMap((te) => [...te.results.values()].sort((a, b) => a.port - b.port));
  const doc: ScanDocument = { tool: 'PortLab (VS Code)', startedAt: new Date().toISOString(), ...(entry.scanner ? { scanner: entry.scanner } : {}), results };
  const captures: ReportInput['captures'] = {};
  for (const [technique, te] of entry.techniques as Map<Technique, { capture?: string }>)
    if (te.capture && existsSync(te.capture)) captures[technique] = { href: relative(dirname(reportPath), te.capture).split(sep).join('/'), bytes: readFileSync(te.capture) };
  const lab = entry.labId !== undefined ? await s.lab.describe(entry.labId) : undefined;
  const markdown = renderReport({ doc, captures, nmapXml: {}, ...(lab ? { lab } : {}) }, { lang: vscode.env.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en' });
  writeFileSync(reportPath, markdown);
  const uri = vscode.Uri.file(reportPath);
  await vscode.window.showTextDocument(uri, { preview: false });
  // The Mermaid diagrams and tables read best rendered; the source stays open for the student's name.
  await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
  return uri;
}
