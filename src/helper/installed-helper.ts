import { lstatSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { readJsonFileIfValid } from '../base/json-file';
import { cliBundleOf } from './cli-path';
import { runtimeCommand } from './runtime';

/**
 * `portlab setup-privileges` installs a root-owned copy of the helper here, and a sudoers rule that
 * lets students start exactly it without a password. The copy matters: a rule naming the CLI in a
 * student's own extension folder would give root to anything able to write there.
 */
export const INSTALL_DIR = '/usr/local/lib/portlab';
/** out/ as in the extension: the native layer's loader finds build/Release/ beside it. */
export const INSTALLED_CLI = join(INSTALL_DIR, 'out', 'cli.js');
export const INSTALL_RECORD = join(INSTALL_DIR, 'installed.json');
export const SUDOERS_FILE = '/etc/sudoers.d/portlab';

/** What setup-privileges wrote (INSTALL_RECORD), so that --undo removes exactly that. */
export const InstallRecord = z.object({
  /** the Node.js binary the sudoers rule names */
  node: z.string(),
  /** node is Electron (the editor's), which the rule starts through this `env` with ELECTRON_RUN_AS_NODE=1 */
  env: z.string().optional(),
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

export interface InstalledHelper {
  node: string;
  cli: string;
  /** see InstallRecord.env */
  env?: string;
}

/** Where the loader of the CLI at `cli` finds the native layer (build/ beside out/): what root loads with it. */
export function installedAddon(cli: string): string {
  return join(dirname(cli), '..', 'build', 'Release', 'portlab_native.node');
}

/**
 * The installed helper, when it exists and only root can change any program of its command, the bundle or the
 * native layer it loads. An install from before the native layer (cli.js with the old addons) has none
 * beside it, and is passed over.
 */
export function installedHelper(record = INSTALL_RECORD): InstalledHelper | undefined {
  if (!rootOnly(record)) return undefined;
  const parsed = readInstallRecord(record);
  if (!parsed) return undefined;
  const helper: InstalledHelper = { node: parsed.node, cli: parsed.cli, ...(parsed.env ? { env: parsed.env } : {}) };
  return [helper.cli, cliBundleOf(helper.cli), installedAddon(helper.cli), helper.node, ...(helper.env ? [helper.env] : [])].every(rootOnly)
    ? helper
    : undefined;
}

/** The command line sudo starts (the sudoers rule names it, followed by `helper` and any arguments). */
export function installedCommand(helper: InstalledHelper): string[] {
  return [...runtimeCommand({ path: helper.node, runAsNode: helper.env !== undefined }, helper.env ?? ''), helper.cli];
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
export function sudoersRule(who: string, helper: InstalledHelper): string {
  return `${who.startsWith('%') ? `%${sudoersWord(who.slice(1))}` : sudoersWord(who)} ALL=(root) NOPASSWD: ${installedCommand(helper).map(sudoersWord).join(' ')} helper *\n`;
}
