import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { UserError } from '../base/errors';

/** Ranges a lab scan may reach without asking: loopback, RFC 1918, link-local, CGNAT, benchmark. */
export const LAB_RANGES = ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', '198.18.0.0/15'] as const;

type Cidr = [ipaddr.IPv4, number];

/** The widest range a helper takes at launch: a /8 is already 16 million addresses. */
export const MIN_HELPER_ALLOW_PREFIX = 8;

/** An IPv4 CIDR, or an address meaning its /32. */
function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  try {
    if (!trimmed.includes('/') && ipaddr.IPv4.isValidFourPartDecimal(trimmed)) return [ipaddr.IPv4.parse(trimmed), 32];
    const [addr, bits] = ipaddr.IPv4.parseCIDR(trimmed);
    return [addr, bits];
  } catch {
    throw new UserError(`bad --allow-target "${text}": expected an IPv4 CIDR such as 203.0.113.0/24`);
  }
}

/**
 * The helper's extra ranges, given at its launch (`portlab helper --allow-target`): each must parse
 * and be no wider than a /8, so that no setting turns the scope guard off.
 */
export function helperAllowRanges(texts: readonly string[]): string[] {
  for (const text of texts) {
    const [, bits] = parseCidr(text);
    if (bits < MIN_HELPER_ALLOW_PREFIX)
      throw new UserError(
        `--allow-target ${text} covers ${2 ** (32 - bits)} addresses; the helper takes ranges of at most a /${MIN_HELPER_ALLOW_PREFIX} (name the networks you may scan)`,
      );
  }
  return [...texts];
}

/** Whether every address of `inner` lies in one of `outer` (CIDRs or addresses), or in a lab range. */
export function rangeWithin(inner: string, outer: readonly string[]): boolean {
  const [addr, bits] = parseCidr(inner);
  return [...LAB_RANGES, ...outer].map(parseCidr).some(([net, outerBits]) => outerBits <= bits && addr.match(net, outerBits));
}

/** Parsed once per scan: the built-in lab ranges plus the user's `--allow-target` CIDRs. */
export class ScopeGuard {
  private readonly ranges: Cidr[];

  constructor(allowTargets: readonly string[] = []) {
    this.ranges = [...LAB_RANGES, ...allowTargets].map(parseCidr);
  }

  /** Whether `address` is an IPv4 address inside the scope. */
  allows(address: string): boolean {
    if (!ipaddr.IPv4.isValidFourPartDecimal(address)) return false;
    const addr = ipaddr.IPv4.parse(address);
    return this.ranges.some((r) => addr.match(r));
  }

  /** Throws a UserError naming the address, the allowed ranges and the flag that widens them. */
  check(address: string, shownAs = address): void {
    if (!ipaddr.IPv4.isValidFourPartDecimal(address)) throw new UserError(`target "${shownAs}" is not an IPv4 address`);
    if (this.allows(address)) return;
    const label = shownAs === address ? address : `${shownAs} (${address})`;
    throw new UserError(
      `target ${label} is outside the lab ranges (${LAB_RANGES.join(', ')}); ` + `scan it only if you are allowed to, with --allow-target ${address}/32`,
    );
  }

  /** Resolves names (IPv4 only) and checks every address; returns them in order without duplicates. */
  async resolve(targets: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const target of targets) {
      const address = ipaddr.IPv4.isValidFourPartDecimal(target) ? target : await resolveName(target);
      this.check(address, target);
      if (!out.includes(address)) out.push(address);
    }
    return out;
  }
}

async function resolveName(name: string): Promise<string> {
  // dns.lookup('') warns of a deprecation on stderr before failing: an empty name is refused first
  if (name.trim() === '') throw new UserError('a target is empty: name a host or an IPv4 address');
  if (name.includes('/')) throw new UserError(`target "${name}": CIDR ranges are not supported; name hosts one by one`);
  try {
    return (await lookup(name, { family: 4 })).address;
  } catch {
    throw new UserError(`cannot resolve target "${name}" to an IPv4 address`);
  }
}
