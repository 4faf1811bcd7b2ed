import { execFileSync } from 'node:child_process';
import { UserError } from '../base/errors';
import { CAP_NET_RAW, readProcStatus, type ProcStatus } from '../base/proc-status';
import { findSystemProgram } from '../base/program-path';
import { rerunSelf } from '../base/rerun-self';
import { fixesText, nodeCapabilitiesFixes } from './launch-fixes';

/**
 * What a scan helper keeps: CAP_NET_RAW, for its raw sockets and captures (AF_PACKET). Measured: SYN,
 * FIN, NULL, Xmas and UDP scans of 127.0.0.1 and of a lab namespace, discovery (ARP) and --source-ips
 * all work with it alone; CAP_NET_ADMIN is not needed.
 */
export const KEPT_CAPABILITIES = 1n << BigInt(CAP_NET_RAW);
const KEPT_CAPABILITY_NAMES = 'net_raw';

/** Set in the confined helper's environment so that a confinement that did not take is an error, not a loop. */
const CONFINED_MARK = 'PORTLAB_HELPER_CONFINED';

/** Whether the process already runs with no more than a scan helper keeps, and can never regain more. */
export function isConfined(p: ProcStatus): boolean {
  return p.noNewPrivs && (p.capBnd & ~KEPT_CAPABILITIES) === 0n && (p.capPrm & ~KEPT_CAPABILITIES) === 0n;
}

/** The user who asked for the helper through sudo or pkexec, when that user is not root. */
export function invokingUser(env: NodeJS.ProcessEnv, primaryGroupOf: (uid: number) => number | undefined): { uid: number; gid: number } | undefined {
  const sudoUid = Number(env.SUDO_UID);
  if (env.SUDO_UID && Number.isInteger(sudoUid) && sudoUid > 0) {
    const gid = Number(env.SUDO_GID);
    return { uid: sudoUid, gid: env.SUDO_GID && Number.isInteger(gid) ? gid : (primaryGroupOf(sudoUid) ?? sudoUid) };
  }
  const pkexecUid = Number(env.PKEXEC_UID);
  if (env.PKEXEC_UID && Number.isInteger(pkexecUid) && pkexecUid > 0) return { uid: pkexecUid, gid: primaryGroupOf(pkexecUid) ?? pkexecUid };
  return undefined;
}

/**
 * setpriv's arguments for a scan helper: no new privileges ever (no setuid binary or file capability
 * can raise them), a bounding set of just what it keeps, which it holds through exec as an ambient
 * capability, and the invoking user's uid and gid without supplementary groups.
 */
export function setprivArgs(user: { uid: number; gid: number } | undefined): string[] {
  return [
    '--no-new-privs',
    ...(user ? [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups'] : []),
    `--inh-caps=-all,+${KEPT_CAPABILITY_NAMES}`,
    `--ambient-caps=-all,+${KEPT_CAPABILITY_NAMES}`,
    `--bounding-set=-all,+${KEPT_CAPABILITY_NAMES}`,
    // The confined helper dies with this process, whichever way this one ends.
    '--pdeathsig=TERM',
  ];
}

/** The user's primary group from the passwd database, for a student whose sudo did not say it. */
function primaryGroupOf(uid: number): number | undefined {
  const getent = findSystemProgram('getent');
  if (!getent) return undefined;
  try {
    const entry = execFileSync(getent, ['passwd', String(uid)], { encoding: 'utf8', timeout: 5000 });
    const gid = Number(entry.split(':')[3]);
    return Number.isInteger(gid) ? gid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * setpriv and its arguments (setprivArgs) for the user who asked through sudo or pkexec, up to the `--`
 * before the program it confines. `refusal` says what will not happen instead when setpriv is missing.
 */
export function setprivCommand(env: NodeJS.ProcessEnv, refusal: string): { file: string; args: string[] } {
  const setpriv = findSystemProgram('setpriv');
  if (!setpriv) throw new UserError(`setpriv (util-linux) is missing, and ${refusal}: install util-linux (sudo apt install util-linux)`);
  return { file: setpriv, args: [...setprivArgs(invokingUser(env, primaryGroupOf)), '--'] };
}

/**
 * A scan helper started with root's privileges runs itself again through setpriv, confined (see
 * setprivArgs), and this process only waits for it: it forwards signals, reads nothing from the
 * client (stdin, stdout and stderr pass to the confined helper) and exits as it does. Node 20 has no
 * execve, so this root parent stays until then. Resolves when nothing needs doing (not root, or
 * confined already); otherwise never resolves, and the process exits with the helper's status.
 */
export async function confineScanHelper(): Promise<void> {
  const privileges = readProcStatus();
  if (isConfined(privileges) || privileges.uid !== 0) return;
  if (process.env[CONFINED_MARK])
    throw new UserError('the helper could not drop its privileges (setpriv ran, yet it still holds more than CAP_NET_RAW); it will not scan as full root');
  const extra = extraFileCapabilities(fileCapabilities(process.execPath));
  if (extra.length > 0) throw new UserError(nodeCapabilitiesProblem(process.execPath, extra).join(' Fix: '));
  const setpriv = setprivCommand(process.env, 'the helper will not scan as full root');
  const status = await rerunSelf(setpriv.file, setpriv.args, { ...process.env, [CONFINED_MARK]: '1' });
  if ('error' in status) process.exit(126);
  if (status.signal) process.kill(process.pid, status.signal);
  process.exit(status.code ?? 1);
}

/**
 * A program's file capabilities by name (cap_net_raw, …) as getcap prints them: [] when it has none,
 * ['all'] for "=ep", undefined when getcap (libcap2-bin) is missing or fails, so nothing is known.
 */
export function fileCapabilities(path: string): string[] | undefined {
  const getcap = findSystemProgram('getcap');
  if (!getcap) return undefined;
  try {
    return parseGetcap(execFileSync(getcap, [path], { encoding: 'utf8', timeout: 5000 }), path);
  } catch {
    return undefined;
  }
}

/** getcap's line: "PATH cap_a,cap_b=eip" (libcap 2.41 and later) or "PATH = cap_a,cap_b+eip" (earlier); nothing when none. */
export function parseGetcap(output: string, path: string): string[] {
  const line = output.split('\n').find((l) => l.startsWith(path));
  if (line === undefined) return [];
  const text = line.slice(path.length).trim().replace(/^=\s+/, '');
  if (text.startsWith('=')) return ['all'];
  return [...new Set(text.match(/\bcap_[a-z_]+/g) ?? [])];
}

/** File capabilities beyond what a scan helper keeps: the kernel will not exec such a binary inside its bounding set. */
export function extraFileCapabilities(capabilities: string[] | undefined): string[] {
  return (capabilities ?? []).filter((c) => c !== `cap_${KEPT_CAPABILITY_NAMES}`);
}

/** [what is wrong, the fix] when node's file capabilities stop the confined helper from starting. */
export function nodeCapabilitiesProblem(node: string, extra: string[]): [string, string] {
  return [
    `Node.js (${node}) carries the file capabilities ${extra.join(', ')}, beyond cap_${KEPT_CAPABILITY_NAMES}; the scan helper runs confined to a bounding set of CAP_NET_RAW alone, and the kernel refuses to start a program whose file capabilities lie outside it (setpriv exits with 126).`,
    fixesText(nodeCapabilitiesFixes(node)) ?? '',
  ];
}
