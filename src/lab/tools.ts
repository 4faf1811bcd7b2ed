import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UserError } from '../base/errors';
import { findProgram } from '../base/program-path';

/** The programs the lab runs, with the Debian package that provides each. */
export const LAB_TOOLS = {
  ip: 'iproute2',
  nft: 'nftables',
  dnsmasq: 'dnsmasq-base',
  sysctl: 'procps',
} as const;
export type LabTool = keyof typeof LAB_TOOLS;

const found = new Map<LabTool, string>();

/** The absolute path of a tool, or a UserError naming the package to install. */
export function toolPath(tool: LabTool): string {
  const path = found.get(tool) ?? findProgram(tool);
  if (!path) throw new UserError(`the lab sandbox needs '${tool}', which is not installed: apt-get install ${LAB_TOOLS[tool]}`);
  found.set(tool, path);
  return path;
}

const COMMAND_TIMEOUT_MS = 15_000;

/**
 * Runs a tool without a shell and returns its stdout. A failure is a UserError quoting the command
 * and its stderr: it is almost always about the machine (no netns support, a name in use), which the
 * user can see and fix.
 */
export function runTool(tool: LabTool, args: readonly string[], input?: string): Promise<string> {
  const path = toolPath(tool);
  return new Promise((resolve, reject) => {
    const child = execFile(path, args, { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const detail = (stderr.trim() || err.message).split('\n')[0];
      reject(new UserError(`lab: '${tool} ${args.join(' ')}' failed: ${detail}`));
    });
    // A tool that reads no stdin may exit before we close it; that EPIPE is not its failure (the exit code says that).
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

/** Every lab host has an IPv6 address: a kernel booted with ipv6.disable=1 cannot build the lab. */
export function checkKernelIpv6(): void {
  if (!existsSync('/proc/sys/net/ipv6'))
    throw new UserError('the lab sandbox needs IPv6, which this kernel has disabled (/proc/sys/net/ipv6 is missing): boot without ipv6.disable=1');
}

/** Root is needed for namespaces, nftables and sysctls inside them. */
export function checkRoot(): void {
  if (process.getuid?.() !== 0) throw new UserError('the lab sandbox needs root (network namespaces): run with sudo');
}
