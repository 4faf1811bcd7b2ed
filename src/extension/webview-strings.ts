import * as vscode from 'vscode';

/** Every string the webview prints, translated here because the webview has no vscode.l10n. */
export function webviewStrings(): Record<string, string> {
  return {
    filter: vscode.l10n.t('Filter (port, state, reason, technique…)'),
    allStates: vscode.l10n.t('All states'),
    technique: vscode.l10n.t('Technique'),
    port: vscode.l10n.t('Port'),
    state: vscode.l10n.t('State'),
    reason: vscode.l10n.t('Reason'),
    exchange: vscode.l10n.t('Observed exchange'),
    empty: vscode.l10n.t('No results yet: run PortLab: Scan Target… first.'),
    selectRow: vscode.l10n.t('Select a row to see its exchange as a ladder diagram.'),
    selectPacket: vscode.l10n.t('Click an arrow to see that packet’s headers.'),
    scanner: vscode.l10n.t('scanner'),
    target: vscode.l10n.t('target'),
    kernel: vscode.l10n.t('sent by the scanner’s kernel'),
    retry: vscode.l10n.t('retry'),
    noAnswer: vscode.l10n.t('no answer (timed out)'),
    noPackets: vscode.l10n.t('no packets'),
    ladder: vscode.l10n.t('Ladder diagram'),
    headers: vscode.l10n.t('Packet headers'),
    openCapture: vscode.l10n.t('Open Capture'),
    shown: vscode.l10n.t('{0} of {1} results'),
    truncated: vscode.l10n.t('The table shows the first {0} of {1} matching results: filter to narrow them.'),
  };
}
