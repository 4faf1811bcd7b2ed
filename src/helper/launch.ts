import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { CAP_NET_RAW, CAP_SYS_ADMIN, hasCapability, readProcStatus } from '../base/proc-status';
import { findProgram } from '../base/program-path';

export interface LaunchOptions {
  /** the bundled CLI (`out/cli.js`) whose `helper` subcommand is the helper */
  cliPath: string;
  /** the one directory under which the helper writes captures */
  captureDir: string;
  /** Node.js binary that runs the helper (the extension's `portlab.nodePath` setting); default: this process's */
  nodePath?: string;
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
}

/** What the machine offers, gathered once so that the decision itself is a pure function. */
export interface LaunchEnvironment {
  /** CapEff of this process, from /proc/self/status */
  capEff: bigint;
  /** a graphical session, where pkexec can show its password dialog */
  graphical: boolean;
  /** absolute path of a program on PATH, or undefined */
  which(program: string): string | undefined;
  /**
   * Whether `path` is the binary this process runs. When it is not (the extension host is Electron,
   * the helper's node is another binary), that node may carry file capabilities this process lacks.
   */
  isThisProcessBinary(path: string): boolean;
  /** the login name, for a sudoers rule */
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
}

/** A failure to start the helper, with the message a student reads and the command that fixes it. */
export class HelperLaunchError extends Error {
  override readonly name = 'HelperLaunchError';
  constructor(
    message: string,
    /** what to do, in words, with commands in it */
    readonly fix?: string,
    /** the one command line of the fix that a "copy" button hands over */
    readonly command?: string,
  ) {
    super(fix ? `${message} Fix: ${fix}` : message);
  }
}

export function currentEnvironment(): LaunchEnvironment {
  return {
    capEff: readProcStatus().capEff,
    graphical: Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY),
    which: findProgram,
    isThisProcessBinary: (path) => realPath(path) === realPath(process.execPath),
    userName: userInfo().username,
  };
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
 * have given CAP_NET_RAW; then pkexec in a graphical session, then `sudo -n`. Throws when no way exists.
 */
export function planLaunch(options: LaunchOptions, env: LaunchEnvironment): LaunchPlan[] {
  const node = options.nodePath ?? process.execPath;
  const helperArgs = [
    options.cliPath,
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
  const [command, args] = inNamespace(node, helperArgs);
  if (canDirect) return [{ method: 'direct', command, args }];

  const plans: LaunchPlan[] = [];
  // File capabilities cannot enter a namespace (`ip netns exec` needs CAP_SYS_ADMIN), so only outside one.
  if (!options.netns && !env.isThisProcessBinary(node)) plans.push({ method: 'direct', command, args, tentative: true });
  const pkexec = env.which('pkexec');
  // pkexec asks through a polkit agent; without a graphical session there is none to ask.
  if (pkexec && env.graphical) plans.push({ method: 'pkexec', command: pkexec, args: [command, ...args] });
  const sudo = env.which('sudo');
  if (sudo) plans.push({ method: 'sudo', command: sudo, args: ['-n', '--', command, ...args] });
  if (plans.length === 0) throw noElevationError(node);
  return plans;
}

/** No pkexec, no sudo, and the node binary has no CAP_NET_RAW of its own. */
export function noElevationError(node: string): HelperLaunchError {
  return new HelperLaunchError(
    'Raw-socket scans (SYN, FIN, NULL, Xmas, UDP) need the CAP_NET_RAW capability, and neither pkexec nor sudo is installed to get it.',
    `install policykit-1 (sudo apt install policykit-1), or give Node.js the capability once: ${setcapCommand(node)}`,
    setcapCommand(node),
  );
}

export function setcapCommand(node: string): string {
  return `sudo setcap cap_net_raw,cap_net_admin+eip ${node}`;
}

/**
 * The sudoers line that lets `user` run exactly this helper command without a password. sudoers
 * takes a word's space, comma, colon, equals sign and backslash only escaped.
 */
export function sudoersRule(user: string, command: string[]): string {
  const word = (w: string) => w.replace(/[\\,:= ]/g, (c) => `\\${c}`);
  return `${word(user)} ALL=(root) NOPASSWD: ${command.map(word).join(' ')}`;
}

/** How a helper start ended before it answered: its exit code and what it printed on stderr. */
export interface LaunchFailure {
  method: LaunchMethod;
  nodePath: string;
  /** spawn error code, e.g. ENOENT when the program does not exist */
  spawnError?: string;
  exitCode?: number | null;
  signal?: string | null;
  stderr: string;
  /** the helper command that sudo was asked to run, and whose login asked: for a sudoers rule */
  sudoCommand?: string[];
  userName?: string;
}

function nodeNotFound(nodePath: string): { error: HelperLaunchError; retry: boolean } {
  return {
    error: new HelperLaunchError(
      `Node.js was not found at ${nodePath}.`,
      'install Node.js 20 (sudo apt install nodejs) or set "portlab.nodePath" to the node binary.',
      'sudo apt install nodejs',
    ),
    retry: false,
  };
}

/**
 * Turns a failed start into a message a student understands. `retry` says whether the next way to
 * elevate is worth trying (the method was unavailable) or the student must act (dismissed, refused).
 */
export function explainLaunchFailure(f: LaunchFailure): { error: HelperLaunchError; retry: boolean } {
  const setcap = setcapCommand(f.nodePath);
  if (f.spawnError === 'ENOENT' && f.method === 'direct') return nodeNotFound(f.nodePath);
  if (f.spawnError) return { error: new HelperLaunchError(`Could not start the helper with ${f.method}: ${f.spawnError}.`), retry: true };
  const stderr = f.stderr.trim();
  // sudo: "sudo: /usr/bin/node: command not found"; pkexec: "Cannot run program /usr/bin/node: No such file or directory"
  if (/: command not found|No such file or directory/i.test(stderr) && stderr.includes(f.nodePath)) return nodeNotFound(f.nodePath);
  if (f.method === 'pkexec') {
    if (f.exitCode === 126)
      return {
        error: new HelperLaunchError(
          'The password dialog was closed, so PortLab did not get permission for raw-socket scans.',
          `run the scan again and enter your password, or allow it once for all: ${setcap}`,
          setcap,
        ),
        retry: false,
      };
    if (f.exitCode === 127 && /authentication agent/i.test(stderr))
      return { error: new HelperLaunchError('pkexec found no password dialog (polkit authentication agent) in this session.'), retry: true };
    if (f.exitCode === 127)
      return {
        error: new HelperLaunchError(
          'Your account is not allowed to run the PortLab helper as administrator (pkexec refused).',
          `ask your administrator, or run once: ${setcap}`,
          setcap,
        ),
        retry: false,
      };
  }
  if (f.method === 'sudo' && /password is required|a terminal is required/i.test(stderr)) {
    // "sudo -v" would not help: sudo remembers a password per terminal, and the helper's sudo may have none.
    const capable = f.sudoCommand === undefined || f.sudoCommand[0] === f.nodePath;
    const rule = f.sudoCommand && f.userName ? sudoersRule(f.userName, f.sudoCommand) : undefined;
    const fixes = [
      capable ? `give Node.js the capability once (PortLab then needs no sudo): ${setcap}` : undefined,
      rule
        ? `let sudo start exactly the PortLab helper without a password (only safe while your user cannot write the files it names), with this line added by "sudo visudo -f /etc/sudoers.d/portlab": ${rule}`
        : undefined,
    ].filter((fix) => fix !== undefined);
    return {
      error: new HelperLaunchError(
        'sudo needs your password, and PortLab cannot type it for you.',
        fixes.length > 0 ? fixes.join('; or ') : setcap,
        capable || !rule ? setcap : rule,
      ),
      retry: false,
    };
  }
  if (f.method === 'sudo' && /not in the sudoers|not allowed to execute/i.test(stderr))
    return {
      error: new HelperLaunchError(
        'Your account may not use sudo, so the helper cannot get raw-socket rights.',
        `ask your administrator to run: ${setcap}`,
        setcap,
      ),
      retry: false,
    };
  if (/Cannot open network namespace|netns/i.test(stderr))
    return {
      error: new HelperLaunchError(`The network namespace does not exist: ${lastLine(stderr)}.`, 'start the lab first: portlab lab up', 'portlab lab up'),
      retry: false,
    };
  const how = f.signal ? `was killed by ${f.signal}` : `exited with code ${f.exitCode}`;
  return { error: new HelperLaunchError(`The PortLab helper ${how} before answering${stderr ? `: ${lastLine(stderr)}` : '.'}`), retry: false };
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

export type HelperProcess = ChildProcessByStdio<Writable, Readable, Readable>;

/** Spawns one plan; no shell, arguments passed as an array. */
export function spawnPlan(plan: LaunchPlan, ownSession = false): HelperProcess {
  return spawn(plan.command, plan.args, { stdio: ['pipe', 'pipe', 'pipe'], shell: false, detached: ownSession });
}
