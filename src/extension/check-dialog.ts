import * as vscode from 'vscode';
import type { LabTruth } from '../protocol/lab';
import { protocolOf, TECHNIQUES, type Technique } from '../protocol/scan';
import { portKinds, type CheckLab } from './check-lab';
import { techniqueDetail, techniqueLabel } from './techniques';

/** What a check runs: the program's technique, on the lab's ports of the kinds picked. */
export interface CheckChoice {
  technique: Technique;
  ports: number[];
}

function truthLabel(truth: LabTruth): string {
  switch (truth) {
    case 'open':
      return vscode.l10n.t('open');
    case 'closed':
      return vscode.l10n.t('closed');
    case 'filtered-drop':
      return vscode.l10n.t('filtered by drop');
    case 'filtered-reject':
      return vscode.l10n.t('filtered by reject');
    case 'filtered-syn':
      return vscode.l10n.t('filtered for SYN only');
  }
}

/** Asks which technique `program` implements and which kinds of the lab's ports to run it on; undefined when the user backs out. */
export async function askCheck(program: string, lab: CheckLab): Promise<CheckChoice | undefined> {
  const techniques = TECHNIQUES.map((t) => ({ label: techniqueLabel(t), description: t, detail: techniqueDetail(t), technique: t }));
  const picked = await vscode.window.showQuickPick(techniques, {
    title: vscode.l10n.t('Check {0}: which technique does it use?', program),
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  const protocol = protocolOf(picked.technique);
  const kinds = portKinds(lab.ports, protocol).map((kind) => ({
    label: truthLabel(kind.truth),
    description: vscode.l10n.t('{0} ports {1}', protocol.toUpperCase(), kind.ports.join(', ')),
    picked: true,
    ports: kind.ports,
  }));
  const chosen = await vscode.window.showQuickPick(kinds, {
    title: vscode.l10n.t('Check {0}: on which of lab {1}’s ports?', program, lab.id),
    placeHolder: vscode.l10n.t('Pick the kinds of port to run the program on'),
    canPickMany: true,
    ignoreFocusOut: true,
  });
  if (!chosen || chosen.length === 0) return undefined;
  return { technique: picked.technique, ports: chosen.flatMap((kind) => kind.ports) };
}
