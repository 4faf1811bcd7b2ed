import { setprivCommand } from '../helper/privileges';

/**
 * What runs in front of the student's program so that it holds what a raw-socket scanner needs and no
 * more: CAP_NET_RAW as an ambient capability, no_new_privs, as the student who ran sudo or pkexec (as
 * uid 0 without any other capability when root ran the check). Empty when this process is not root: the
 * program then runs as this process's user, which setpriv could not change.
 */
export function confinementPrefix(env: NodeJS.ProcessEnv = process.env): string[] {
  if (process.getuid?.() !== 0) return [];
  const setpriv = setprivCommand(env, 'a program to check never runs as full root');
  return [setpriv.file, ...setpriv.args];
}
