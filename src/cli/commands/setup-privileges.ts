import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../base/errors';
import { findSystemProgram } from '../../base/program-path';
import { cliBundleOf, portlabCliPath } from '../../helper/cli-path';
import {
  INSTALL_DIR,
  INSTALL_RECORD,
  INSTALLED_CLI,
  installedAddon,
  installedCommand,
  readInstallRecord,
  rootOnly,
  SUDOERS_FILE,
  sudoersRule,
  type InstalledHelper,
  type InstallRecord,
} from '../../helper/installed-helper';
import { setupPrivilegesCommand } from '../../helper/launch';
import { ownRuntime } from '../../helper/runtime';

interface SetupOptions {
  undo?: boolean;
  user?: string;
}

/**
 * `portlab setup-privileges [--undo] [--user NAME]`, run once by an administrator: a root-owned copy
 * of the helper in /usr/local/lib/portlab and a sudoers rule that lets the sudo group (or one user)
 * start exactly it without a password. The launcher prefers it; a student then never types a password.
 */
export function register(program: Command): void {
  program
    .command('setup-privileges')
    .description('as root: install the helper root-owned in /usr/local/lib/portlab and let sudo start it without a password (--undo removes it)')
    .option('--undo', 'remove what an earlier setup-privileges installed')
    .option('--user <NAME>', 'allow this user instead of the group sudo')
    .action((opts: SetupOptions) => {
      if (process.getuid?.() !== 0)
        throw new UserError(`setup-privileges changes /etc/sudoers.d: run it as root: ${setupPrivilegesCommand(process.execPath, ownRuntime().runAsNode)}`);
      if (opts.undo) undo();
      else install(opts.user);
    });
}

function install(user: string | undefined): void {
  const who = user === undefined ? '%sudo' : checkedUser(user);
  const node = realpathSync(process.execPath);
  // The rule starts this binary as root: whoever could write it would be root.
  if (!rootOnly(node)) throw new UserError(`${node} (Node.js) is not owned by root and writable by root alone; sudo must not start it as root`);
  // Run by the editor's Electron: sudo resets the environment, so the rule starts it as Node.js through env.
  const runAsNode = ownRuntime().runAsNode;
  const env = runAsNode ? findSystemProgram('env') : undefined;
  if (runAsNode && !env) throw new UserError(`env (coreutils) is missing, and ${node} runs as Node.js only with ELECTRON_RUN_AS_NODE=1 in its environment`);
  const helper: InstalledHelper = { node, cli: INSTALLED_CLI, ...(env ? { env: realpathSync(env) } : {}) };
  const source = realpathSync(portlabCliPath());
  // The one native layer (Node-API: any Node.js or Electron loads it), laid out beside out/ as in the .vsix and a checkout.
  const addon = installedAddon(source);
  if (!existsSync(addon)) throw new UserError(`PortLab's native layer (${addon}) is not beside ${source}; build PortLab first (npm ci)`);
  if (existsSync(INSTALL_DIR) && !existsSync(INSTALL_RECORD))
    throw new UserError(`${INSTALL_DIR} exists and was not installed by PortLab (no installed.json); remove it first`);
  rmSync(INSTALL_DIR, { recursive: true, force: true });
  mkdirSync(INSTALL_DIR, { recursive: true, mode: 0o755 });
  chmodSync(INSTALL_DIR, 0o755);
  copyInstalled(source, INSTALLED_CLI, 0o755);
  copyInstalled(cliBundleOf(source), cliBundleOf(INSTALLED_CLI), 0o644);
  copyInstalled(addon, installedAddon(INSTALLED_CLI), 0o755);
  const record: InstallRecord = { ...helper, files: [SUDOERS_FILE], who };
  writeFileSync(INSTALL_RECORD, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
  installSudoers(sudoersRule(who, helper));
  process.stdout.write(
    `portlab: installed the helper in ${INSTALL_DIR} and ${SUDOERS_FILE}: ${who} may run "${installedCommand(helper).join(' ')} helper …" as root without a password\n`,
  );
}

/** A user name sudoers and the passwd database both accept, and that exists. */
function checkedUser(name: string): string {
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(name)) throw new UserError(`--user: '${name}' is not a user name`);
  const getent = findSystemProgram('getent');
  try {
    if (getent) execFileSync(getent, ['passwd', name], { stdio: 'ignore', timeout: 5000 });
  } catch {
    throw new UserError(`--user: no user '${name}' on this machine`);
  }
  return name;
}

/** root:root (this process is root) with an exact mode, whatever the umask. */
function copyInstalled(from: string, to: string, mode: number): void {
  for (let dir = dirname(to); dir.startsWith(INSTALL_DIR) && !existsSync(dir); dir = dirname(dir)) mkdirSync(dir, { recursive: true, mode: 0o755 });
  copyFileSync(from, to);
  chmodSync(to, mode);
}

/** Written beside the final file under a name sudo skips (it has a dot), checked by visudo, then moved in. */
function installSudoers(rule: string): void {
  const visudo = findSystemProgram('visudo');
  if (!visudo) throw new UserError('visudo is missing (sudo not installed?): the sudoers rule cannot be checked, so it is not installed');
  const staged = `${SUDOERS_FILE}.portlab-new`;
  writeFileSync(staged, `# Installed by portlab setup-privileges; remove with portlab setup-privileges --undo\n${rule}`, { mode: 0o440 });
  chmodSync(staged, 0o440);
  try {
    execFileSync(visudo, ['-cf', staged], { stdio: 'pipe', timeout: 10_000 });
  } catch (err) {
    rmSync(staged, { force: true });
    throw new UserError(`visudo rejected the rule (${String((err as { stderr?: Buffer }).stderr ?? '').trim()}); nothing was installed in /etc/sudoers.d`);
  }
  renameSync(staged, SUDOERS_FILE);
}

function undo(): void {
  if (!existsSync(INSTALL_RECORD)) throw new UserError(`nothing to undo: ${INSTALL_RECORD} does not exist`);
  const record = readInstallRecord();
  if (!record) throw new UserError(`${INSTALL_RECORD} is not what setup-privileges writes: remove ${INSTALL_DIR} and ${SUDOERS_FILE} by hand`);
  for (const file of record.files) rmSync(file, { force: true });
  rmSync(INSTALL_DIR, { recursive: true, force: true });
  process.stdout.write(`portlab: removed ${[...record.files, INSTALL_DIR].join(', ')}\n`);
}
