import { Command, CommanderError } from 'commander';
import { UserError } from '../base/errors';
import { TOOL_VERSION } from '../base/version';
import { commandsFor } from './commands';
import { expandNmapOutputFlags } from '../output/nmap-flags';
import { expandIdleZombie } from './idle-zombie-args';

/** The `portlab` command line: each subcommand lives in src/cli/commands/<name>.ts. */
async function main(argv: string[]): Promise<number> {
  const program = new Command('portlab')
    .description('Port-scanning lab: nmap-compatible scans, captures and lab reports')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });
  for (const load of commandsFor(argv)) (await load())(program);
  try {
    await program.parseAsync(expandIdleZombie(expandNmapOutputFlags(argv)));
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UserError) {
      process.stderr.write(`portlab: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`portlab: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
