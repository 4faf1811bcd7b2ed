import * as vscode from 'vscode';
import { labRoleOf } from './lab-targets';

/** What the Targets tree and the target picker say beside the address of a lab host a student scans. */
export function labHostDescription(address: string, labId: number): string {
  return labRoleOf(address)?.role === 'stateless' ? vscode.l10n.t('lab {0} stateless host', labId) : vscode.l10n.t('lab {0} target', labId);
}

/** Why a lab host is in the tree, for its row's tooltip; undefined for the target, which needs no word. */
export function labHostTooltip(address: string): string | undefined {
  return labRoleOf(address)?.role === 'stateless'
    ? vscode.l10n.t('A host behind a stateless firewall (no connection tracking): an ACK scan tells its filtered ports from its unfiltered ones.')
    : undefined;
}
