import * as vscode from 'vscode';
import type { CaptureStringKey, CheckStringKey, WebviewStrings } from '../protocol/webview';

/** Every string the webview prints, translated here because the webview has no vscode.l10n. */
export function webviewStrings(): WebviewStrings {
  return {
    filter: vscode.l10n.t('Filter (port, state, reason, technique…)'),
    allStates: vscode.l10n.t('All states'),
    technique: vscode.l10n.t('Technique'),
    targetColumn: vscode.l10n.t('Target'),
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
    zombie: vscode.l10n.t('zombie'),
    inferred: vscode.l10n.t('inferred from the IP ID, not seen'),
    spoofed: vscode.l10n.t('source address spoofed:'),
    ladder: vscode.l10n.t('Ladder diagram'),
    headers: vscode.l10n.t('Packet headers'),
    openCapture: vscode.l10n.t('Open Capture'),
    shown: vscode.l10n.t('{0} of {1} results'),
    truncated: vscode.l10n.t('The table shows the first {0} of {1} matching results: filter to narrow them.'),
    notShownRow: vscode.l10n.t('Not shown: {0} {1} {2} ports ({3})'),
    foldShow: vscode.l10n.t('click to show them'),
    foldHide: vscode.l10n.t('click to fold them again'),
    ...checkStrings(),
    ...captureStrings(),
  };
}

function checkStrings(): Record<CheckStringKey, string> {
  return {
    scanPage: vscode.l10n.t('Scan results'),
    checkPage: vscode.l10n.t('Your program vs truth'),
    checkHeading: vscode.l10n.t('{0} · {1} against {2} (lab {3})'),
    checkSummary: vscode.l10n.t('{0} of {1} ports answered correctly'),
    checkPartial: vscode.l10n.t('The check was stopped: only the ports that finished are shown.'),
    truth: vscode.l10n.t('Truth'),
    expected: vscode.l10n.t('Expected'),
    programSaid: vscode.l10n.t('Program said'),
    verdict: vscode.l10n.t('Verdict'),
    deviations: vscode.l10n.t('Deviations'),
    truthOpen: vscode.l10n.t('open'),
    truthClosed: vscode.l10n.t('closed'),
    truthDrop: vscode.l10n.t('filtered by drop'),
    truthReject: vscode.l10n.t('filtered by reject'),
    truthSyn: vscode.l10n.t('filtered for SYN only'),
    resultCorrect: vscode.l10n.t('✔ correct'),
    resultWrong: vscode.l10n.t('✘ wrong'),
    resultNoVerdict: vscode.l10n.t('✘ no verdict'),
    resultCrashed: vscode.l10n.t('✘ crashed'),
    resultTimedOut: vscode.l10n.t('✘ timed out'),
    saidNothing: vscode.l10n.t('(nothing)'),
    saidExitCode: vscode.l10n.t('(exit code {0})'),
    saidSignal: vscode.l10n.t('(killed by {0})'),
    saidTimedOut: vscode.l10n.t('(still running after {0} s)'),
    withFrame: vscode.l10n.t('{0} (frame {1})'),
    withFrames: vscode.l10n.t('{0} (frames {1})'),
    programOutput: vscode.l10n.t('What the program printed'),
    selectCase: vscode.l10n.t('Select a row to see what the program sent and received as a ladder diagram.'),
    deviationLegend: vscode.l10n.t('Highlighted arrows: packets that differ from the textbook exchange.'),
  };
}

function captureStrings(): Record<CaptureStringKey, string> {
  return {
    captureSummary: vscode.l10n.t('{0} · {1} packets · {2} exchanges'),
    captureStopped: vscode.l10n.t('The file is damaged at byte {0} (packet {1}): {2}. Every packet before it was analysed.'),
    captureUnsupported: vscode.l10n.t('Not decoded: {0}'),
    captureUnattributed: vscode.l10n.t('{0} packets belong to no port-scan exchange (ARP, other traffic).'),
    captureUnreadable: vscode.l10n.t('PortLab cannot analyse this file'),
    crossTechnique: vscode.l10n.t('Across techniques'),
    noExchanges: vscode.l10n.t('No port-scan exchange in this capture.'),
    exchanges: vscode.l10n.t('Exchanges by port'),
    observed: vscode.l10n.t('Observed'),
    textbook: vscode.l10n.t('Textbook'),
    textbookMatches: vscode.l10n.t('✔ as the textbook'),
    textbookDiffers: vscode.l10n.t('✘ differs'),
    unknownTechnique: vscode.l10n.t('unknown'),
    selectExchange: vscode.l10n.t('Select an exchange to see its ladder diagram.'),
  };
}
