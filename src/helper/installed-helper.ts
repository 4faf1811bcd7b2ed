import { lstatSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { readJsonFileIfValid } from '../base/json-file';

/**
 * `portlab setup-privileges` installs a root-owned copy of the helper here, and a sudoers rule that
 * lets students start exactly it without a password. The copy matters: a rule naming the CLI in a
 * student's own extension folder would give root to anything able to write there.
 */
export const INSTALL_DIR = '/usr/local/lib/portlab';
export const INSTALLED_CLI = join(INSTALL_DIR, 'cli.js');
export const INSTALL_RECORD = join(INSTALL_DIR, 'installed.json');
export const SUDOERS_FILE = '/etc/sudoers.d/portlab';

/** What setup-privileges wrote (INSTALL_RECORD), so that --undo removes exactly that. */
export const InstallRecord = z.object({
  /** the Node.js binary the sudoers rule names */
  node: z.string(),
  cli: z.string(),
  /** files outside INSTALL_DIR (the sudoers rule); INSTALL_DIR itself is PortLab's alone */
  files: z.array(z.string()),
  /** who may start the helper: a user name, or %group */
  who: z.string(),
});
export type InstallRecord = z.infer<typeof InstallRecord>;

/** INSTALL_RECORD (or `path`) as setup-privileges wrote it; undefined when it is missing, unreadable or malformed. */
export function readInstallRecord(path = INSTALL_RECORD): InstallRecord | undefined {
  return readJsonFileIfValid(path, InstallRecord);
}

/** The installed helper's command (node and cli.js), when it exists and only root can change it. */
export function installedHelper(record = INSTALL_RECORD): { node: string; cli: string } | undefined {
  if (!rootOnly(record)) return undefined;
  const parsed = readInstallRecord(record);
  if (!parsed) return undefined;
  return rootOnly(parsed.cli) && rootOnly(parsed.node) ? { node: parsed.node, cli: parsed.cli } : undefined;
}

/**
 * Whether `path` (after symlinks) and every directory above it belong to root and are writable by
 * root alone: otherwise whoever can write one of them could swap the program sudo starts as root.
 */
export function rootOnly(path: string): boolean {
  let current: string;
  try {
    current = realpathSync(path);
  } catch {
    return false;
  }
  for (;;) {
    const stat = lstatSync(current, { throwIfNoEntry: false });
    if (!stat || stat.uid !== 0 || (stat.mode & 0o022) !== 0) return false;
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/** A word of a sudoers command line: sudoers reads space, comma, colon, equals sign and backslash as syntax unless escaped. */
function sudoersWord(word: string): string {
  return word.replace(/[\\,:= ]/g, (c) => `\\${c}`);
}

/**
 * The sudoers line letting `who` (a user, or %group) start the installed helper, with any arguments,
 * as root without a password. The helper confines itself to CAP_NET_RAW unless it is the lab role,
 * and validates every argument; nothing else runs.
 */
export function sudoersRule(who: string, node: string, cli: string): string {
  return `${who.startsWith('%') ? `%${sudoersWord(who.slice(1))}` : sudoersWord(who)} ALL=(root) NOPASSWD: ${sudoersWord(node)} ${sudoersWord(cli)} helper *\n`;
}
