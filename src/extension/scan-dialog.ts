import * as vscode from 'vscode';
import { UserError } from '../base/errors';
import { parsePorts } from '../engine/ports';
import { parseZombieSpec } from '../engine/idle/zombie-spec';
import { labOfAddress } from '../lab/topology';
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

/** The CLI's own parser of -sI's ZOMBIE[:PROBEPORT]: the editor takes what `portlab scan -sI` takes. */
export function zombieProblem(text: string): string | undefined {
  try {
    parseZombieSpec(text);
    return undefined;
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
}

/** Asks for the techniques and the ports of a scan of `target` (and the zombie when Idle is picked); undefined when the user backs out. */
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
  const techniques = chosen.map((c) => c.technique);
  if (!techniques.includes('idle')) return { target, techniques, ports: ports.trim() };
  const zombie = await vscode.window.showInputBox({
    title: vscode.l10n.t('Scan {0}: the idle scan’s zombie', target),
    prompt: vscode.l10n.t('A host whose IP IDs come from one counter, as ZOMBIE[:PROBEPORT], e.g. 198.18.0.4 or 198.18.0.4:80'),
    // a lab target's own zombie, the one host of the lab an idle scan can use, in the target's family
    value: (target.includes(':') ? labOfAddress(target)?.zombie.address6 : labOfAddress(target)?.zombie.address) ?? '',
    ignoreFocusOut: true,
    validateInput: zombieProblem,
  });
  if (zombie === undefined) return undefined;
  return { target, techniques, ports: ports.trim(), zombie: zombie.trim() };
}
