import * as vscode from 'vscode';
import { UserError } from '../base/errors';
import { parsePorts } from '../engine/ports';
import { TECHNIQUES, type Technique } from '../protocol/scan';
import { readSettings } from './config';
import type { ScanRequest } from './scan-runner';
import { techniqueDetail, techniqueLabel } from './techniques';

/** The CLI's own parser decides, so the editor accepts exactly what `portlab scan -p` accepts. */
export function portListProblem(text: string): string | undefined {
  try {
    parsePorts(text);
    return undefined;
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
}

/** Asks for the techniques and the ports of a scan of `target`; undefined when the user backs out. */
export async function askScan(target: string, preset?: Technique[]): Promise<ScanRequest | undefined> {
  const settings = readSettings();
  const picked = new Set<string>(preset ?? settings.defaultTechniques);
  const items = TECHNIQUES.map((t) => ({ label: techniqueLabel(t), description: t, detail: techniqueDetail(t), technique: t, picked: picked.has(t) }));
  const chosen = await vscode.window.showQuickPick(items, {
    canPickMany: true,
    title: vscode.l10n.t('Scan {0}: techniques', target),
    placeHolder: vscode.l10n.t('Pick one or more scan techniques'),
    ignoreFocusOut: true,
  });
  if (!chosen || chosen.length === 0) return undefined;
  const ports = await vscode.window.showInputBox({
    title: vscode.l10n.t('Scan {0}: ports', target),
    prompt: vscode.l10n.t('Ports in nmap syntax, e.g. 22,80,443 or 1-1024 or - for all'),
    value: settings.defaultPorts,
    ignoreFocusOut: true,
    validateInput: portListProblem,
  });
  if (ports === undefined) return undefined;
  return { target, techniques: chosen.map((c) => c.technique), ports: ports.trim() };
}
