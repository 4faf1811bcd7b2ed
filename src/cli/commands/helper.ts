import type { Command } from 'commander';
import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../../engine/errors';
import { TOOL_VERSION } from '../../engine/scanner-info';
import { serveHelper } from '../../helper/server';

export function register(program: Command): void {
  program
    .command('helper')
    .description('the privileged helper: JSON-RPC on stdin/stdout for the VS Code extension (started by it, not by hand)')
    .requiredOption('--capture-dir <DIR>', 'the one directory under which captures are written (<DIR>/<scanId>/*.pcap)')
    .action(async (opts: { captureDir: string }) => {
      if (opts.captureDir.trim() === '') throw new UserError('--capture-dir must name a directory');
      const captureDir = isAbsolute(opts.captureDir) ? opts.captureDir : resolve(opts.captureDir);
      await serveHelper({ captureDir, input: process.stdin, output: process.stdout, helperVersion: TOOL_VERSION });
      // stdin closed: the parent is gone. Native capture handles may keep the loop alive; leave now.
      process.exit(0);
    });
}
