import type { Command } from 'commander';
import { helperAllowRanges } from '../../engine/scope';
import { TOOL_VERSION } from '../../engine/scanner-info';
import { checkCaptureRoot } from '../../helper/capture-dir';
import { confineScanHelper } from '../../helper/privileges';
import { serveHelper } from '../../helper/server';

export function register(program: Command): void {
  program
    .command('helper')
    .description('the privileged helper: JSON-RPC on stdin/stdout for the VS Code extension (started by it, not by hand)')
    .requiredOption('--capture-dir <DIR>', 'the one directory, an absolute path, under which captures are written (<DIR>/<scanId>/*.pcap)')
    .option(
      '--allow-target <CIDR>',
      'a range outside the lab ranges that requests may scan, at most a /8 (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--lab', 'manage the lab sandbox (lab.up, lab.down, lab.status) and nothing else; this role keeps root')
    .action(async (opts: { captureDir: string; allowTarget: string[]; lab?: boolean }) => {
      const captureDir = checkCaptureRoot(opts.captureDir);
      const allowTargets = helperAllowRanges(opts.allowTarget);
      const role = opts.lab ? 'lab' : 'scan';
      if (role === 'scan') await confineScanHelper();
      await serveHelper({ captureDir, allowTargets, role, input: process.stdin, output: process.stdout, helperVersion: TOOL_VERSION });
      // stdin closed: the parent is gone. Native capture handles may keep the loop alive; leave now.
      process.exit(0);
    });
}
