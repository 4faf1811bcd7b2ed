import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** Where the program's file goes in the command-line setting; {target} and {port} are the checker's own. */
const FILE_PLACEHOLDER = '{file}';
const SYSTEM_PYTHON3 = '/usr/bin/python3';
const SHELL_LOOKUP_MS = 5000;

/** The setting is a command line: a non-empty list of words, the first naming a program. */
export function isCommandLine(setting: unknown): setting is string[] {
  return Array.isArray(setting) && setting.length > 0 && setting.every((w) => typeof w === 'string') && (setting[0] as string).trim() !== '';
}

/**
 * The program's command line for the checker: {file} filled in, and a bare `python3` made the Python
 * that has Scapy. {target} and {port} stay for the checker, which fills them in for each run.
 */
export function programCommandLine(setting: readonly string[], file: string, python3: () => string = studentPython3): string[] {
  const [program, ...args] = setting.map((word) => word.replaceAll(FILE_PLACEHOLDER, file));
  return [program === 'python3' ? python3() : program!, ...args];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What `command -v python3` says in the user's interactive shell, where pyenv, conda and virtualenvs set PATH up. */
function interactiveShellPython3(): string | undefined {
  const shell = process.env.SHELL || '/bin/sh';
  const run = spawnSync(shell, ['-ic', 'command -v python3'], { encoding: 'utf8', timeout: SHELL_LOOKUP_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  return run.stdout
    ?.split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('/'))
    .at(-1);
}

/**
 * The python3 a student's scanner runs with: the system's, where `apt install python3-scapy` puts Scapy,
 * when there is one; else the one the student's terminal finds. The editor's own PATH is no guide: a pyenv
 * or conda python3 first on it usually lacks Scapy, and the checker itself runs as root.
 */
export function studentPython3(executable: (path: string) => boolean = isExecutable, shellLookup: () => string | undefined = interactiveShellPython3): string {
  if (executable(SYSTEM_PYTHON3)) return SYSTEM_PYTHON3;
  return shellLookup() ?? 'python3';
}
