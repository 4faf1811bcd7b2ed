import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { closeSync, openSync, realpathSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { CAP_NET_RAW, CAP_SYS_ADMIN, hasCapability, readProcStatus } from '../base/proc-status';
import { findProgram } from '../base/program-path';
import type { Askpass } from './askpass';
import { portlabCliPath } from './cli-path';
import { installedCommand, installedHelper, type InstalledHelper } from './installed-helper';
import { firstFixCommand, fixesText, fixText, nodeCapabilitiesFixes, setcapCommand, type LaunchFix } from './launch-fixes';
import { extraFileCapabilities, fileCapabilities, nodeCapabilitiesProblem } from './privileges';
import { ownRuntime, runtimeCommand, startedProgram, type NodeRuntime } from './runtime';

export { fixText, setcapCommand, type LaunchFix };

export interface LaunchOptions {
  /** the bundled CLI (`out/cli.js`) whose `helper` subcommand is the helper */
  cliPath: string;
  /** the one directory under which the helper writes captures */
  captureDir: string;
  /** Node.js binary that runs the helper (the extension's `portlab.nodePath` setting); default: this process's own runtime */
  nodePath?: string;
  /** nodePath is Electron (the editor's own binary), started with ELECTRON_RUN_AS_NODE=1; without nodePath: whether this process is */
  runAsNode?: boolean;
  /** run the helper inside this network namespace (`ip netns exec NS …`), e.g. the lab's scanner */
  netns?: string;
  /** false when only connect scans are wanted: the helper then runs unprivileged, never elevated */
  rawSockets?: boolean;
  /** ranges outside the lab's that the helper may scan (`helper --allow-target`), fixed at its start */
  allowTargets?: string[];
  /** the lab role (`helper --lab`): lab.up/down/status only, keeping root; other helpers run confined */
  lab?: boolean;
  /**
   * start the helper in a session of its own: a terminal's Ctrl-C then reaches only the client,
   * which cancels its scans and keeps their partial results and captures (the CLI)
   */
  ownSession?: boolean;
  /** sudo asks for the password through this (`sudo -A`), e.g. the editor's password box */
  askpass?: Askpass;
}

/** What the machine offers, gathered once so that the decision itself is a pure function. */
export interface LaunchEnvironment {
  /** CapEff of this process, from /proc/self/status */
  capEff: bigint;
  /** a graphical session, where pkexec can show its password dialog */
  graphical: boolean;
  /** a terminal that sudo can ask the password on (the CLI run in one) */
  terminal: boolean;
  /** absolute path of a program on PATH, or undefined */
  which(program: string): string | undefined;
  /**
   * Whether `path` is the binary this process runs. When it is not (the extension host is Electron,
   * the helper's node is another binary), that node may carry file capabilities this process lacks.
   */
  isThisProcessBinary(path: string): boolean;
  /** the file capabilities of a binary (getcap), undefined when unknown */
  fileCapabilities(path: string): string[] | undefined;
  /** the root-owned helper `portlab setup-privileges` installed, which sudo starts without a password */
  installedHelper(): InstalledHelper | undefined;
  /** the login name */
  userName: string;
}

export type LaunchMethod = 'direct' | 'pkexec' | 'sudo';

export interface LaunchPlan {
  method: LaunchMethod;
  command: string;
  args: string[];
  /**
   * a direct start that may lack CAP_NET_RAW (a node binary given the capability by setcap): the
   * helper's hello says whether it got it, and the next plan is tried when it did not
   */
  tentative?: boolean;
  /** added to the environment of the started program (the askpass channel for `sudo -A`) */
  env?: Record<string, string>;
  /** sudo asks on this process's terminal: it must stay in the terminal's session to open it */
  terminal?: boolean;
  /** the helper `portlab setup-privileges` installed (`sudo -n`), whose sudoers rule may not cover this user */
  installed?: boolean;
}

/**
 * Why the helper did not start, with the facts a message needs, so that each face words it in its
 * own language (the extension in zh-CN); code branches on `kind`, never on the message.
 */
export type LaunchProblem =
  /** neither pkexec nor sudo, and no capability on node */
  | { kind: 'no-elevation'; node: string }
  | { kind: 'node-not-found'; node: string }
  | { kind: 'spawn-failed'; method: LaunchMethod; error: string }
  /** the password dialog or prompt was dismissed */
  | { kind: 'cancelled'; method: LaunchMethod }
  /** sudo's tries all failed */
  | { kind: 'wrong-password' }
  /** sudo wants a password and has no terminal or askpass to ask it with */
  | { kind: 'password-required' }
  | { kind: 'no-polkit-agent' }
  /** pkexec or sudo refuses this account */
  | { kind: 'not-allowed'; method: LaunchMethod }
  /** node's file capabilities lie outside the confined helper's bounding set */
  | { kind: 'node-capabilities'; node: string; capabilities: string[] }
  | { kind: 'no-namespace'; detail: string }
  | { kind: 'helper-exited'; exitCode?: number | null; signal?: string | null; detail: string }
  /** the helper started, yet without CAP_NET_RAW (a container or a security policy withholds it) */
  | { kind: 'no-raw-sockets'; method: LaunchMethod }
  | { kind: 'other' };

/** A failure to start the helper, with the message a student reads and the commands that fix it. */
export class HelperLaunchError extends Error {
  override readonly name = 'HelperLaunchError';
  constructor(
    message: string,
    readonly problem: LaunchProblem = { kind: 'other' },
    /** the ways out, best first */
    readonly fixes: readonly LaunchFix[] = [],
  ) {
    const fix = fixesText(fixes);
    super(fix ? `${message} Fix: ${fix}` : message);
  }

  /** what to do, in words, with commands in it: the fixes in English */
  get fix(): string | undefined {
    return fixesText(this.fixes);
  }

  /** the one command line of the fixes that a "copy" button hands over */
  get command(): string | undefined {
    return firstFixCommand(this.fixes);
  }
}

/** A failure the next way to elevate may get past (that way was only unavailable). */
function mayRetry(problem: LaunchProblem, message: string, fixes: LaunchFix[] = []): { error: HelperLaunchError; retry: boolean } {
  return { error: launchError(problem, message, fixes), retry: true };
}

/** A failure the student must act on (dismissed, refused, misconfigured): no other way is tried. */
function stopHere(problem: LaunchProblem, message: string, fixes: LaunchFix[] = []): { error: HelperLaunchError; retry: boolean } {
  return { error: launchError(problem, message, fixes), retry: false };
}

function launchError(problem: LaunchProblem, message: string, fixes: LaunchFix[] = []): HelperLaunchError {
  return new HelperLaunchError(message, problem, fixes);
}

/** The command that installs the root-owned helper and its sudoers rule (run once, by an administrator). */
export function setupPrivilegesCommand(node: string, runAsNode = false): string {
  return `sudo ${runtimeCommand({ path: node, runAsNode }, 'env').join(' ')} ${portlabCliPath()} setup-privileges`;
}

/**
 * A capability on the helper's binary, as a fix: not when that binary is the editor's Electron, where
 * it would give raw sockets to the whole editor.
 */
function setcapFixes(node: string, runAsNode: boolean): LaunchFix[] {
  return runAsNode ? [] : [{ kind: 'setcap', command: setcapCommand(node) }];
}

/** The fixes that give raw sockets for good: the installed helper first, a capability on node second. */
function privilegeFixes(node: string, runAsNode: boolean): LaunchFix[] {
  return [{ kind: 'setup-privileges', command: setupPrivilegesCommand(node, runAsNode) }, ...setcapFixes(node, runAsNode)];
}

export function currentEnvironment(): LaunchEnvironment {
  // getcap runs once per binary: the installed helper's node and the helper's node are usually the same one.
  const capabilities = new Map<string, string[] | undefined>();
  return {
    capEff: readProcStatus().capEff,
    graphical: Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY),
    terminal: Boolean(process.stdin.isTTY) || hasControllingTerminal(),
    which: findProgram,
    isThisProcessBinary: (path) => realPath(path) === realPath(process.execPath),
    fileCapabilities: (path) => {
      const real = realPath(path);
      if (!capabilities.has(real)) capabilities.set(real, fileCapabilities(real));
      return capabilities.get(real);
    },
    installedHelper: () => installedHelper(),
    userName: userInfo().username,
  };
}

/** Whether /dev/tty opens: sudo prompts there even when stdin is a pipe. */
function hasControllingTerminal(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r+'));
    return true;
  } catch {
    return false;
  }
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The ways to start the helper, best first. Direct when this process already holds what the helper
 * needs (CAP_NET_RAW for raw sockets, CAP_SYS_ADMIN to enter a namespace) or needs nothing (connect
 * scans only); directly but tentatively when the helper's node is another binary that setcap may
 * have given CAP_NET_RAW; then the helper `portlab setup-privileges` installed (`sudo -n`, no
 * password); then pkexec in a graphical session; then sudo asking through the askpass given, or on
 * the terminal, or `sudo -n` with neither. Throws when no way exists.
 */
export function planLaunch(options: LaunchOptions, env: LaunchEnvironment): LaunchPlan[] {
  const runtime = helperRuntime(options);
  const node = runtime.path;
  const helperArgs = [
    'helper',
    '--capture-dir',
    options.captureDir,
    ...(options.allowTargets ?? []).flatMap((cidr) => ['--allow-target', cidr]),
    ...(options.lab ? ['--lab'] : []),
  ];
  const ip = env.which('ip') ?? '/usr/sbin/ip';
  const inNamespace = (cmd: string, args: string[]): [string, string[]] => (options.netns ? [ip, ['netns', 'exec', options.netns, cmd, ...args]] : [cmd, args]);
  const needsRaw = options.rawSockets !== false;
  const canDirect = (!needsRaw || hasCapability(env.capEff, CAP_NET_RAW)) && (!options.netns || hasCapability(env.capEff, CAP_SYS_ADMIN));
  const [start, ...startArgs] = runtimeCommand(runtime, env.which('env') ?? '/usr/bin/env') as [string, ...string[]];
  const [command, args] = inNamespace(start, [...startArgs, options.cliPath, ...helperArgs]);
  if (canDirect) return [{ method: 'direct', command, args }];

  const plans: LaunchPlan[] = [];
  // File capabilities cannot enter a namespace (`ip netns exec` needs CAP_SYS_ADMIN), so only outside one.
  if (!options.netns && !env.isThisProcessBinary(node)) plans.push({ method: 'direct', command, args, tentative: true });
  const sudo = env.which('sudo');
  // A scan helper started as root confines itself with setpriv, whose exec of a node carrying other
  // file capabilities the kernel refuses; the lab role keeps root and is not confined.
  const blocked = (binary: string) => (options.lab ? [] : extraFileCapabilities(env.fileCapabilities(binary)));
  // The sudoers rule names the installed helper alone, not `ip netns exec` around it.
  const installed = options.netns ? undefined : env.installedHelper();
  if (installed && sudo && blocked(installed.node).length === 0)
    plans.push({ method: 'sudo', command: sudo, args: ['-n', '--', ...installedCommand(installed), ...helperArgs], installed: true });
  const extra = blocked(node);
  if (extra.length === 0) {
    const pkexec = env.which('pkexec');
    // pkexec asks through a polkit agent; without a graphical session there is none to ask.
    if (pkexec && env.graphical) plans.push({ method: 'pkexec', command: pkexec, args: [command, ...args] });
    if (sudo && options.askpass) plans.push({ method: 'sudo', command: sudo, args: ['-A', '--', command, ...args], env: options.askpass.env });
    else if (sudo && env.terminal) plans.push({ method: 'sudo', command: sudo, args: ['--', command, ...args], terminal: true });
    else if (sudo) plans.push({ method: 'sudo', command: sudo, args: ['-n', '--', command, ...args] });
  }
  if (plans.length > 0) return plans;
  if (extra.length > 0) throw nodeCapabilitiesError(node, extra);
  throw noElevationError(node, runtime.runAsNode);
}

/** The runtime the helper runs on: the one given (the `portlab.nodePath` setting), else this process's own. */
export function helperRuntime(options: Pick<LaunchOptions, 'nodePath' | 'runAsNode'>): NodeRuntime {
  return options.nodePath === undefined ? ownRuntime() : { path: options.nodePath, runAsNode: options.runAsNode ?? false };
}

/** node's own file capabilities stop the confined helper: one message, which capability and the fix. */
export function nodeCapabilitiesError(node: string, capabilities: string[]): HelperLaunchError {
  const [message] = nodeCapabilitiesProblem(node, capabilities);
  return launchError({ kind: 'node-capabilities', node, capabilities }, message, nodeCapabilitiesFixes(node));
}

/** The helper answered, but without CAP_NET_RAW: something outside PortLab withholds it. */
export function noRawSocketsError(method: LaunchMethod, node: string, runAsNode = false): HelperLaunchError {
  return launchError(
    { kind: 'no-raw-sockets', method },
    `The PortLab helper started (${method}) without the CAP_NET_RAW capability, so it cannot send raw packets; a container or a security policy may withhold it: run PortLab where raw sockets are allowed (docker run --cap-add NET_RAW).`,
    setcapFixes(node, runAsNode),
  );
}

/** No pkexec, no sudo, and the node binary has no CAP_NET_RAW of its own. */
export function noElevationError(node: string, runAsNode = false): HelperLaunchError {
  return launchError(
    { kind: 'no-elevation', node },
    'Raw-socket scans (every technique but connect) need the CAP_NET_RAW capability, and neither pkexec nor sudo is installed to get it.',
    [{ kind: 'install-polkit', command: 'sudo apt install policykit-1' }, ...setcapFixes(node, runAsNode)],
  );
}

/** How a helper start ended before it answered: its exit code and what it printed on stderr. */
export interface LaunchFailure {
  method: LaunchMethod;
  nodePath: string;
  /** nodePath is Electron, run as Node.js */
  runAsNode?: boolean;
  /** spawn error code, e.g. ENOENT when the program does not exist */
  spawnError?: string;
  exitCode?: number | null;
  signal?: string | null;
  stderr: string;
  /** the helper command that sudo was asked to run, and whose login asked */
  sudoCommand?: string[];
  userName?: string;
  /** the plan started the installed helper (LaunchPlan.installed) */
  installed?: boolean;
}

/** Only a `portlab.nodePath` that names no program gets here: the default runtime is the running one. */
function nodeNotFound(nodePath: string): { error: HelperLaunchError; retry: boolean } {
  return stopHere({ kind: 'node-not-found', node: nodePath }, `Node.js was not found at ${nodePath}.`, [{ kind: 'node-path' }]);
}

/**
 * Turns a failed start into a message a student understands. `retry` says whether the next way to
 * elevate is worth trying (the method was unavailable) or the student must act (dismissed, refused).
 */
export function explainLaunchFailure(f: LaunchFailure): { error: HelperLaunchError; retry: boolean } {
  const node = f.nodePath;
  const runAsNode = f.runAsNode ?? false;
  if (f.spawnError === 'ENOENT' && f.method === 'direct') return nodeNotFound(node);
  if (f.spawnError)
    return mayRetry({ kind: 'spawn-failed', method: f.method, error: f.spawnError }, `Could not start the helper with ${f.method}: ${f.spawnError}.`);
  const stderr = f.stderr.trim();
  // sudo: "sudo: /usr/bin/node: command not found"; pkexec: "Cannot run program /usr/bin/node: No such file or directory"
  if (/: command not found|No such file or directory/i.test(stderr) && stderr.includes(node)) return nodeNotFound(node);
  // The installed helper's rule may not cover this user (another group): the next way may still work.
  if (f.method === 'sudo' && f.installed && f.exitCode === 1 && /password is required|not allowed|sudoers/i.test(stderr))
    return mayRetry({ kind: 'not-allowed', method: 'sudo' }, 'sudo does not let this account start the installed PortLab helper.');
  if (f.method === 'pkexec') {
    if (f.exitCode === 126)
      return stopHere({ kind: 'cancelled', method: 'pkexec' }, 'The password dialog was closed, so PortLab did not get permission for raw-socket scans.', [
        { kind: 'enter-password' },
        ...privilegeFixes(node, runAsNode),
      ]);
    if (f.exitCode === 127 && /authentication agent/i.test(stderr))
      return mayRetry({ kind: 'no-polkit-agent' }, 'pkexec found no password dialog (polkit authentication agent) in this session.');
    if (f.exitCode === 127)
      return stopHere(
        { kind: 'not-allowed', method: 'pkexec' },
        'Your account is not allowed to run the PortLab helper as administrator (pkexec refused).',
        privilegeFixes(node, runAsNode),
      );
  }
  if (f.method === 'sudo') {
    // A capability on node does not help inside a namespace, where sudo runs `ip netns exec`.
    const onNode = f.sudoCommand === undefined || startedProgram(f.sudoCommand) === node;
    // sudo's words when askpass exits 1 (the password box was dismissed), and after its last wrong try.
    if (/no password was provided/i.test(stderr))
      return stopHere({ kind: 'cancelled', method: 'sudo' }, 'The password prompt was dismissed, so PortLab did not get permission for raw-socket scans.', [
        { kind: 'enter-password' },
        ...(onNode ? privilegeFixes(node, runAsNode) : []),
      ]);
    if (/incorrect password attempt/i.test(stderr))
      return stopHere({ kind: 'wrong-password' }, 'sudo refused the password: it was wrong at each try.', [
        { kind: 'enter-password' },
        ...(onNode ? privilegeFixes(node, runAsNode) : []),
      ]);
    if (/password is required|a terminal is required|no askpass program/i.test(stderr))
      // "sudo -v" would not help: sudo remembers a password per terminal, and the helper's sudo may have none.
      return stopHere(
        { kind: 'password-required' },
        'sudo needs your password, and PortLab has no terminal or password box to ask it in.',
        onNode ? privilegeFixes(node, runAsNode) : [{ kind: 'use-terminal' }],
      );
    if (/not in the sudoers|not allowed to execute/i.test(stderr))
      return stopHere(
        { kind: 'not-allowed', method: 'sudo' },
        'Your account may not use sudo, so the helper cannot get raw-socket rights; ask your administrator.',
        privilegeFixes(node, runAsNode),
      );
  }
  if (/Cannot open network namespace|netns/i.test(stderr))
    return stopHere({ kind: 'no-namespace', detail: lastLine(stderr) }, `The network namespace does not exist: ${lastLine(stderr)}.`, [
      { kind: 'start-lab', command: 'portlab lab up' },
    ]);
  const how = f.signal ? `was killed by ${f.signal}` : `exited with code ${f.exitCode}`;
  return stopHere(
    { kind: 'helper-exited', exitCode: f.exitCode ?? null, signal: f.signal ?? null, detail: lastLine(stderr) },
    `The PortLab helper ${how} before answering${stderr ? `: ${lastLine(stderr)}` : '.'}`,
  );
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

export type HelperProcess = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * Spawns one plan; no shell, arguments passed as an array. A sudo that asks on the terminal stays in
 * this session whatever `ownSession` says: a session of its own has no terminal to open. A terminal's
 * Ctrl-C then reaches the helper too, and the client keeps the results it had received.
 */
export function spawnPlan(plan: LaunchPlan, ownSession = false): HelperProcess {
  return spawn(plan.command, plan.args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    shell: false,
    detached: ownSession && !plan.terminal,
    ...(plan.env ? { env: { ...process.env, ...plan.env } } : {}),
  });
}
