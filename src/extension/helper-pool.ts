import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import * as vscode from 'vscode';
import { type HelperClient, startHelper } from '../helper/client';
import { currentEnvironment, HelperLaunchError, setcapCommand, type LaunchEnvironment } from '../helper/launch';
import { readSettings, type ElevationMethod } from './config';
import { resolveNodePath } from './node-path';

/** What a helper must be able to do: raw sockets, the namespace it must run in, managing the lab. */
export interface HelperNeeds {
  raw: boolean;
  netns?: string;
  /** lab.up/down/status: a helper that keeps root for namespaces and nftables and runs no scan */
  lab?: boolean;
}

/**
 * The elevation setting narrows which ways the launcher may use: hiding a program from it is how
 * the setting says "not this one" without the launcher knowing about settings.
 */
export function environmentFor(elevation: ElevationMethod, base: LaunchEnvironment = currentEnvironment()): LaunchEnvironment {
  const hidden = new Set(elevation === 'none' ? ['pkexec', 'sudo'] : elevation === 'pkexec' ? ['sudo'] : elevation === 'sudo' ? ['pkexec'] : []);
  return { ...base, which: (program) => (hidden.has(program) ? undefined : base.which(program)) };
}

/**
 * One running helper per kind of need (unprivileged, privileged, inside a lab's scanner namespace, the lab's manager),
 * started on first use and kept for the next scan; a helper that exits is forgotten.
 */
export class HelperPool implements vscode.Disposable {
  private readonly clients = new Map<string, Promise<HelperClient>>();

  constructor(
    private readonly cliPath: string,
    private readonly defaultCaptureDir: string,
  ) {}

  /** The capture directory setting as the helper takes it: absolute, `~/` and a relative path under the home directory. */
  captureDir(): string {
    const setting = readSettings().captureDirectory.trim();
    if (!setting) return this.defaultCaptureDir;
    if (isAbsolute(setting)) return resolve(setting);
    return resolve(homedir(), setting.replace(/^~(\/|$)/, ''));
  }

  get(needs: HelperNeeds): Promise<HelperClient> {
    const settings = readSettings();
    const nodePath = resolveNodePath(settings.nodePath);
    const captureDir = this.captureDir();
    // A scan helper takes its extra scope at launch; the lab helper scans nothing and takes none.
    const allowTargets = needs.lab ? [] : settings.allowedTargets;
    const key = JSON.stringify([needs.raw, needs.netns, needs.lab === true, nodePath, captureDir, settings.elevation, allowTargets]);
    let client = this.clients.get(key);
    if (!client) {
      if (!existsSync(this.cliPath))
        throw new HelperLaunchError(vscode.l10n.t('The PortLab helper is missing from the extension ({0}); reinstall PortLab.', this.cliPath));
      client = startHelper(
        {
          cliPath: this.cliPath,
          captureDir,
          nodePath,
          rawSockets: needs.raw,
          allowTargets,
          ...(needs.netns ? { netns: needs.netns } : {}),
          ...(needs.lab ? { lab: true } : {}),
        },
        environmentFor(settings.elevation),
      );
      this.clients.set(key, client);
      client.then(
        (c) => void c.exited.then(() => this.clients.delete(key)),
        () => this.clients.delete(key),
      );
    }
    return client;
  }

  dispose(): void {
    for (const client of this.clients.values())
      void client.then(
        (c) => c.close(),
        () => undefined,
      );
    this.clients.clear();
  }
}

/** Shows a launcher failure as it is, with a button that copies the fix when there is one. */
export async function showHelperError(err: unknown): Promise<void> {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof HelperLaunchError) || !err.fix) {
    await vscode.window.showErrorMessage(message);
    return;
  }
  const copy = vscode.l10n.t('Copy Fix Command');
  const settings = vscode.l10n.t('Open Settings');
  const choice = await vscode.window.showErrorMessage(message, ...(err.command ? [copy] : []), settings);
  if (choice === copy && err.command) await vscode.env.clipboard.writeText(err.command);
  else if (choice === settings) await vscode.commands.executeCommand('workbench.action.openSettings', 'portlab');
}

export { setcapCommand };
