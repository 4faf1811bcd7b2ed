import { setcapCommand } from '../base/proc-status';

export { setcapCommand };

/** One way out of a failed helper start, with its command line; the English words are in fixText. */
export type LaunchFix =
  | { kind: 'setup-privileges'; command: string }
  | { kind: 'setcap'; command: string }
  | { kind: 'remove-capabilities'; command: string }
  | { kind: 'install-polkit'; command: string }
  /** the `portlab.nodePath` setting names no Node.js */
  | { kind: 'node-path' }
  | { kind: 'start-lab'; command: string }
  | { kind: 'enter-password' }
  | { kind: 'use-terminal' };

/** The English words of a fix (the CLI's; the extension words `LaunchFix` itself). */
export function fixText(fix: LaunchFix): string {
  switch (fix.kind) {
    case 'setup-privileges':
      return `let sudo start an installed, root-owned PortLab helper without a password, once for all users: ${fix.command}`;
    case 'setcap':
      return `give Node.js the one capability raw scans need: ${fix.command}`;
    case 'remove-capabilities':
      return `remove them all: ${fix.command}`;
    case 'install-polkit':
      return `install the password dialog: ${fix.command}`;
    case 'node-path':
      return 'set "portlab.nodePath" to a Node.js 18 or later, or leave it empty to run the helper on the editor\'s own runtime';
    case 'start-lab':
      return `start the lab first: ${fix.command}`;
    case 'enter-password':
      return 'run the scan again and enter your password';
    case 'use-terminal':
      return 'run the scan in a terminal, where sudo can ask for your password';
  }
}

/** The English words of several fixes, best first; undefined when there is none. */
export function fixesText(fixes: readonly LaunchFix[]): string | undefined {
  return fixes.length > 0 ? fixes.map(fixText).join('; or ') : undefined;
}

/** The first command line among the fixes: the one a "copy" button hands over. */
export function firstFixCommand(fixes: readonly LaunchFix[]): string | undefined {
  return fixes.map((f) => ('command' in f ? f.command : undefined)).find((c) => c !== undefined);
}

/** The ways out when node's file capabilities lie outside the confined helper's bounding set: CAP_NET_RAW alone, or none. */
export function nodeCapabilitiesFixes(node: string): LaunchFix[] {
  return [
    { kind: 'setcap', command: setcapCommand(node) },
    { kind: 'remove-capabilities', command: `sudo setcap -r ${node}` },
  ];
}
