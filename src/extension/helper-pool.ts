import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import * as vscode from 'vscode';
import { parseProcStatus } from '../base/proc-status';
import { startAskpass } from '../helper/askpass';
import { type HelperClient, startHelper } from '../helper/client';
import { currentEnvironment, HelperLaunchError, helperRuntime, setcapCommand, type LaunchEnvironment, type LaunchOptions } from '../helper/launch';
import { runtimeCommand } from '../helper/runtime';
import { readSettings, type ElevationMethod } from './config';
import { privilegeOf, type HelperInfo } from './helper-status';
import { sessionVerdict, type HelperRole, type SessionState } from './helper-session';
import { launchErrorText } from './launch-messages';
import { resolveNodeRuntime } from './node-path';
import { passwordPrompt } from './password-prompt';

/** What a helper must be able to do: raw sockets, the namespace it must run in, managing the lab. */
export interface HelperNeeds {
  raw: boolean;
  netns?: string;
  /** lab.up/down/status: a helper that keeps root for namespaces and nftables and runs no scan */
  lab?: boolean;
}

/** The student closed the password box: the request is cancelled, not failed. */
export class HelperStartCancelled extends Error {
  override readonly name = 'HelperStartCancelled';
}

/**
 * The elevation setting narrows which ways the launcher may use: hiding a program from it is how
 * the setting says "not this one" without the launcher knowing about settings.
 */
export function environmentFor(elevation: ElevationMethod, base: LaunchEnvironment = currentEnvironment()): LaunchEnvironment {
  const hidden = new Set(elevation === 'none' ? ['pkexec', 'sudo'] : elevation === 'pkexec' ? ['sudo'] : elevation === 'sudo' ? ['pkexec'] : []);
  return { ...base, which: (program) => (hidden.has(program) ? undefined : base.which(program)) };
}

/** A helper that answers slower than this is taken for hung and replaced. */
const PING_TIMEOUT_MS = 2000;

interface Session {
  key: string;
  client: Promise<HelperClient>;
  info?: HelperInfo;
}

/**
 * One helper session per role for the whole window (see helper-session.ts): every scan, discovery and
 * lab request of the role goes to it, so the student gives a password once. A session is started on
 * first need, checked before each reuse and restarted when it died, hangs, or no longer fits the request.
 */
export class HelperPool implements vscode.Disposable {
  private readonly sessions = new Map<HelperRole, Session>();
  /** one get at a time per role, so that two scans started together share the helper they start */
  private readonly queues = new Map<HelperRole, Promise<unknown>>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** a helper started or went */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly cliPath: string,
    private readonly defaultCaptureDir: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** The capture directory setting as the helper takes it: absolute, `~/` and a relative path under the home directory. */
  captureDir(): string {
    const setting = readSettings().captureDirectory.trim();
    if (!setting) return this.defaultCaptureDir;
    if (isAbsolute(setting)) return resolve(setting);
    return resolve(homedir(), setting.replace(/^~(\/|$)/, ''));
  }

  /** The extension's `portlab` CLI (out/cli.js), which the helpers and the checker run; a HelperLaunchError when it is missing. */
  requireCli(): string {
    if (!existsSync(this.cliPath))
      throw new HelperLaunchError(vscode.l10n.t('The PortLab helper is missing from the extension ({0}); reinstall PortLab.', this.cliPath));
    return this.cliPath;
  }

  /** The helpers running now, for the status bar. */
  running(): HelperInfo[] {
    return [...this.sessions.values()].flatMap((s) => (s.info ? [s.info] : []));
  }

  /** The last lines each running helper wrote on stderr. */
  async stderrTails(): Promise<Map<HelperRole, string>> {
    const tails = new Map<HelperRole, string>();
    for (const [role, s] of this.sessions) {
      const client = await s.client.catch(() => undefined);
      if (client) tails.set(role, client.stderr());
    }
    return tails;
  }

  get(needs: HelperNeeds): Promise<HelperClient> {
    const role: HelperRole = needs.lab ? 'lab' : 'scan';
    const previous = this.queues.get(role) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.sessionFor(role, needs));
    this.queues.set(role, next);
    return next;
  }

  private async sessionFor(role: HelperRole, needs: HelperNeeds): Promise<HelperClient> {
    const settings = readSettings();
    const runtime = resolveNodeRuntime(settings.nodePath);
    const captureDir = this.captureDir();
    // A scan helper takes its extra scope at launch; the lab helper scans nothing and takes none.
    const allowTargets = needs.lab ? [] : settings.allowedTargets;
    const key = JSON.stringify([runtime.path, captureDir, settings.elevation, allowTargets, role === 'scan' ? (needs.netns ?? '') : '']);
    const current = this.sessions.get(role);
    const verdict = sessionVerdict(current && (await this.stateOf(current)), {
      key,
      raw: needs.raw || needs.lab === true,
      ...(needs.netns ? { netns: needs.netns } : {}),
    });
    if (verdict === 'reuse') return current!.client;
    if (verdict === 'restart' && current) {
      this.log(`${role} helper: replaced (it no longer answers, or no longer fits: ${needs.netns ? `namespace ${needs.netns}` : 'settings changed'})`);
      this.forget(role, current);
      void current.client.then((c) => c.close()).catch(() => undefined);
    }
    const options: LaunchOptions = {
      cliPath: this.requireCli(),
      captureDir,
      nodePath: runtime.path,
      runAsNode: runtime.runAsNode,
      rawSockets: needs.raw,
      allowTargets,
      ...(needs.netns ? { netns: needs.netns } : {}),
      ...(needs.lab ? { lab: true } : {}),
    };
    const session: Session = { key, client: this.start(role, options, settings.elevation) };
    this.sessions.set(role, session);
    try {
      const client = await session.client;
      session.info = await this.describe(role, client);
      this.log(
        `${role} helper: started (${client.method}), pid ${session.info?.pid ?? '?'}, ${session.info?.privilege ?? '?'}, as ${session.info?.user ?? '?'}`,
      );
      void client.exited.then((why) => {
        this.log(`${role} helper: ${why}`);
        this.forget(role, session);
      });
      this.changed.fire();
      return client;
    } catch (err) {
      this.forget(role, session);
      throw err;
    }
  }

  /** Starts a helper, with sudo's password asked in the editor when it comes to that; the channel goes once the helper answered. */
  private async start(role: HelperRole, options: LaunchOptions, elevation: ElevationMethod): Promise<HelperClient> {
    const prompt = passwordPrompt({
      role,
      user: userInfo().username,
      command: `${runtimeCommand(helperRuntime(options), 'env').join(' ')} ${options.cliPath} helper${role === 'lab' ? ' --lab' : ''}`,
    });
    const askpass = elevation === 'none' ? undefined : await startAskpass((request) => prompt.ask(request));
    try {
      return await startHelper({ ...options, ...(askpass ? { askpass } : {}) }, environmentFor(elevation));
    } catch (err) {
      if (prompt.dismissed()) throw new HelperStartCancelled(vscode.l10n.t('Cancelled: no password was given.'));
      throw err;
    } finally {
      askpass?.dispose();
    }
  }

  /** The session as it is now: alive, answering, what its hello says. */
  private async stateOf(session: Session): Promise<SessionState | undefined> {
    const client = await session.client.catch(() => undefined);
    if (!client) return undefined;
    const alive = client.child.exitCode === null && client.child.signalCode === null;
    const hello = alive ? await withTimeout(client.hello(), PING_TIMEOUT_MS).catch(() => undefined) : undefined;
    return {
      key: session.key,
      alive,
      answers: hello !== undefined,
      rawSockets: hello?.rawSockets ?? false,
      ...(hello?.netns ? { netns: hello.netns } : {}),
    };
  }

  /** Who the helper runs as and with which privilege, from its own /proc entry (the helper's hello names its pid). */
  private async describe(role: HelperRole, client: HelperClient): Promise<HelperInfo | undefined> {
    try {
      const hello = await client.hello();
      const status = parseProcStatus(readFileSync(`/proc/${hello.pid}/status`, 'utf8'));
      const me = userInfo();
      const user = status.uid === 0 ? 'root' : status.uid === me.uid ? me.username : `uid ${status.uid}`;
      return {
        role,
        method: client.method,
        pid: hello.pid,
        user,
        privilege: privilegeOf(status),
        captureDir: hello.captureDir,
        ...(hello.netns ? { netns: hello.netns } : {}),
      };
    } catch {
      return undefined;
    }
  }

  private forget(role: HelperRole, session: Session): void {
    if (this.sessions.get(role) !== session) return;
    this.sessions.delete(role);
    this.changed.fire();
  }

  dispose(): void {
    for (const session of this.sessions.values()) void session.client.then((c) => c.close()).catch(() => undefined);
    this.sessions.clear();
    this.changed.dispose();
  }
}

function withTimeout<T>(pending: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
}

/** Shows a launcher failure as it is, with a button that copies the fix when there is one; a dismissed password box only says so. */
export async function showHelperError(err: unknown): Promise<void> {
  if (err instanceof HelperStartCancelled) {
    await vscode.window.showInformationMessage(err.message);
    return;
  }
  const message = err instanceof HelperLaunchError ? launchErrorText(err) : err instanceof Error ? err.message : String(err);
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
