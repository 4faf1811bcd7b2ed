import { isIPv6 } from 'node:net';
import { UserError } from '../../base/errors';
import { TECHNIQUE_TABLE } from '../../technique';
import type { Zombie } from '../scan-plan';
import type { IpVersion, ScopeGuard } from '../scope';

/**
 * `-sI ZOMBIE[:PROBEPORT]` as typed: a host name or address, and the port its IP ID is probed on (nmap's
 * 80 when absent). An IPv6 address with a port goes in brackets, as nmap takes it: `[2001:2:0:1::4]:80`;
 * a bare one has no port.
 */
export function parseZombieSpec(text: string): { host: string; probePort: number } {
  const trimmed = text.trim();
  const match = /^\[([^\]\s]+)\](?::(\d{1,5}))?$/.exec(trimmed) ?? (isIPv6(trimmed) ? [trimmed, trimmed] : /^([^:\s[\]]+)(?::(\d{1,5}))?$/.exec(trimmed));
  const probePort = match?.[2] === undefined ? TECHNIQUE_TABLE.idle.defaultProbePort : Number(match[2]);
  if (!match || !(probePort >= 1 && probePort <= 65535))
    throw new UserError(
      `invalid idle scan zombie "${text}": expected -sI ZOMBIE[:PROBEPORT], e.g. -sI 198.18.0.4, -sI 198.18.0.4:80, -sI 2001:2:0:1::4 or -sI [2001:2:0:1::4]:80`,
    );
  return { host: match[1]!, probePort };
}

/**
 * The zombie resolved and checked by the scope guard like a target: the scan sends it probes, and sends
 * the target packets in its name, so a zombie outside the lab ranges needs --allow-target as a target does.
 * A name resolves in the targets' family (`version`): the zombie must be of the target's.
 */
export async function resolveZombie(guard: ScopeGuard, text: string, version?: IpVersion): Promise<Zombie> {
  const { host, probePort } = parseZombieSpec(text);
  try {
    const [address] = await guard.resolve([host], version);
    return { address: address!, probePort };
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`idle scan zombie: ${err.message}`, err.kind);
    throw err;
  }
}
