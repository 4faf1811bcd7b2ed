import { constants } from 'node:os';
import { UserError } from '../base/errors';
import { currentNetns } from '../base/netns';
import { rerunSelf } from '../base/rerun-self';
import { toolPath } from '../lab/tools';

/** Set in the environment of the command run again inside the namespace, so that a failed entry is an error, not a loop. */
const ENTERED_MARK = 'PORTLAB_CHECK_NETNS';

/** Whether this process runs in `namespace` already. */
export function inNamespace(namespace: string): boolean {
  return currentNetns() === namespace;
}

/**
 * Runs this very command line again inside the lab's scanner namespace (`ip netns exec`), as the README
 * tells users to run scans of the lab: Node cannot enter a namespace itself. Stdio passes through, the
 * usual stop signals are forwarded, and the promise resolves with the exit code to pass on.
 */
export async function rerunInNamespace(namespace: string): Promise<number> {
  if (process.env[ENTERED_MARK] === namespace) throw new UserError(`could not enter the network namespace ${namespace}; the check does not run outside it`);
  if (process.getuid?.() !== 0)
    throw new UserError(`a program is checked inside the lab's namespace ${namespace}, which takes root: run it with sudo (sudo portlab check …)`);
  const status = await rerunSelf(toolPath('ip'), ['netns', 'exec', namespace], { ...process.env, [ENTERED_MARK]: namespace });
  if ('error' in status) throw new UserError(`could not run ip netns exec ${namespace}: ${status.error.message}`);
  // A shell's code for a death by signal: 128 + its number.
  return status.code ?? 128 + (status.signal ? constants.signals[status.signal] : 0);
}
