import type { Command } from 'commander';
import { UserError } from '../../base/errors';
import { askOverSocket } from '../../helper/askpass';

/**
 * `portlab askpass [PROMPT]`: the program sudo runs for `sudo -A` (SUDO_ASKPASS points at a script
 * that execs it). It asks the PortLab process that started sudo, over $PORTLAB_ASKPASS_SOCKET, and
 * prints the password on stdout for sudo alone; exit 1 tells sudo that no password was given.
 */
export function register(program: Command): void {
  program
    .command('askpass', { hidden: true })
    .argument('[prompt]', "sudo's prompt")
    .action(async (prompt: string | undefined) => {
      const socketPath = process.env.PORTLAB_ASKPASS_SOCKET;
      if (!socketPath) throw new UserError('askpass is run by sudo for PortLab (PORTLAB_ASKPASS_SOCKET is not set), not by hand');
      let password: string | undefined;
      try {
        password = await askOverSocket(socketPath, prompt ?? '');
      } catch (err) {
        throw new UserError(`askpass cannot reach PortLab at ${socketPath}: ${(err as Error).message}`);
      }
      if (password === undefined) {
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${password}\n`);
    });
}
