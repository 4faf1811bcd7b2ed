import { UserError } from '../../base/errors';
import { TECHNIQUE_TABLE } from '../../technique';
import type { Zombie } from '../scan-plan';
import type { ScopeGuard } from '../scope';

/** `-sI ZOMBIE[:PROBEPORT]` as typed: a host name or IPv4 address, and the port its IP ID is probed on (nmap's 80 when absent). */
export function parseZombieSpec(text: string): { host: string; probePort: number } {
  const match = /^([^:\s]+)(?::(\d{1,5}))?$/.exec(text.trim());
  const probePort = match?.[2] === undefined ? TECHNIQUE_TABLE.idle.defaultProbePort : Number(match[2]);
  if (!match || !(probePort >= 1 && probePort <= 65535))
    throw new UserError(`invalid idle scan zombie "${text}": expected -sI ZOMBIE[:PROBEPORT], e.g. -sI 198.18.0.4 or -sI 198.18.0.4:80`);
  return { host: match[1]!, probePort };
}

/**
 * The zombie resolved and checked by the scope guard like a target: the scan sends it probes, and sends
 * the target packets in its name, so a zombie outside the lab ranges needs --allow-target as a target does.
 */
export async function resolveZombie(guard: ScopeGuard, text: string): Promise<Zombie> {
  const { host, probePort } = parseZombieSpec(text);
  try {
    const [address] = await guard.resolve([host]);
    return { address: address!, probePort };
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`idle scan zombie: ${err.message}`, err.kind);
    throw err;
  }
}
