import * as vscode from 'vscode';
import type { HelperLaunchError, LaunchFix, LaunchProblem } from '../helper/launch';

/** Why the helper did not start, in the editor's language; undefined for a problem the launcher words only itself. */
function problemText(p: LaunchProblem): string | undefined {
  switch (p.kind) {
    case 'no-elevation':
      return vscode.l10n.t(
        'Raw-socket scans (every technique but connect) need the CAP_NET_RAW capability, and neither pkexec nor sudo is installed to get it.',
      );
    case 'node-not-found':
      return vscode.l10n.t('Node.js was not found at {0}.', p.node);
    case 'spawn-failed':
      return vscode.l10n.t('Could not start the helper with {0}: {1}.', p.method, p.error);
    case 'cancelled':
      return vscode.l10n.t('The password prompt was closed, so PortLab did not get permission for raw-socket scans.');
    case 'wrong-password':
      return vscode.l10n.t('sudo did not accept the password.');
    case 'password-required':
      return vscode.l10n.t('sudo needs your password, and there is no way to ask for it here.');
    case 'no-polkit-agent':
      return vscode.l10n.t('pkexec found no password dialog (polkit authentication agent) in this session.');
    case 'not-allowed':
      return vscode.l10n.t('Your account is not allowed to run the PortLab helper as administrator ({0} refused).', p.method);
    case 'node-capabilities':
      return vscode.l10n.t(
        'Node.js at {0} carries file capabilities ({1}) that the confined helper may not hold, so the helper cannot start.',
        p.node,
        p.capabilities.join(', '),
      );
    case 'no-namespace':
      return vscode.l10n.t('The network namespace does not exist: {0}.', p.detail);
    case 'helper-exited':
      return vscode.l10n.t('The PortLab helper stopped before answering: {0}', p.detail || String(p.signal ?? p.exitCode));
    case 'no-raw-sockets':
      return vscode.l10n.t(
        'The PortLab helper started ({0}) without the CAP_NET_RAW capability, so it cannot send raw packets; a container or a security policy may withhold it: run PortLab where raw sockets are allowed (docker run --cap-add NET_RAW).',
        p.method,
      );
    case 'other':
      return undefined;
  }
}

function fixWords(f: LaunchFix): string {
  switch (f.kind) {
    case 'setup-privileges':
      return vscode.l10n.t('let sudo start an installed, root-owned PortLab helper without a password, once for all users: {0}', f.command);
    case 'setcap':
      return vscode.l10n.t('give Node.js the one capability raw scans need: {0}', f.command);
    case 'remove-capabilities':
      return vscode.l10n.t('remove them all: {0}', f.command);
    case 'install-polkit':
      return vscode.l10n.t('install the password dialog: {0}', f.command);
    case 'node-path':
      return vscode.l10n.t('set "portlab.nodePath" to a Node.js 18 or later, or leave it empty to run the helper on the editor\'s own runtime');
    case 'start-lab':
      return vscode.l10n.t('start the lab first: {0}', f.command);
    case 'enter-password':
      return vscode.l10n.t('run the scan again and enter your password');
    case 'use-terminal':
      return vscode.l10n.t('run the scan in a terminal, where sudo can ask for your password');
  }
}

/**
 * A launcher failure worded in the editor's language from its kind and facts (the launcher's own
 * message is English): what happened, then each way out, best first.
 */
export function launchErrorText(err: HelperLaunchError): string {
  const problem = problemText(err.problem);
  if (problem === undefined) return err.message;
  if (err.fixes.length === 0) return problem;
  return `${problem} ${vscode.l10n.t('Fix: {0}', err.fixes.map(fixWords).join(vscode.l10n.t('; or ')))}`;
}
