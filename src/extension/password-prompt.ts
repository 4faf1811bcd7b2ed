import * as vscode from 'vscode';
import type { AskpassRequest } from '../helper/askpass';
import type { HelperRole } from './helper-session';

/** What sudo's password is asked for: whose, which command, why. */
export interface PasswordReason {
  role: HelperRole;
  user: string;
  command: string;
}

/**
 * sudo's password asked in the editor (an input box, as VS Code's git askpass does), so that a student
 * over Remote-SSH or WSL, with no terminal or polkit dialog for the helper, can still give it once.
 * `dismissed` says afterwards whether the student closed the box: the start was then cancelled, not failed.
 */
export function passwordPrompt(reason: PasswordReason): { ask(request: AskpassRequest): Promise<string | undefined>; dismissed(): boolean } {
  let dismissed = false;
  const why =
    reason.role === 'lab'
      ? vscode.l10n.t('the lab sandbox needs root for its network namespaces and firewall rules')
      : vscode.l10n.t('raw-socket scans need CAP_NET_RAW; the helper keeps that capability alone');
  return {
    async ask({ attempt }) {
      const prompt = vscode.l10n.t('sudo asks for the password of {0} to run {1}: {2}.', reason.user, reason.command, why);
      const password = await vscode.window.showInputBox({
        password: true,
        ignoreFocusOut: true,
        title: vscode.l10n.t('PortLab needs your password'),
        prompt: attempt > 1 ? `${vscode.l10n.t('Wrong password, try again.')} ${prompt}` : prompt,
      });
      if (password === undefined) dismissed = true;
      return password;
    },
    dismissed: () => dismissed,
  };
}
