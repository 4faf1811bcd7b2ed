import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { UserError } from '../base/errors';

/** The benchmarking ranges (RFC 2544, RFC 5180): PortLab's own lab lives there, and nothing else should. */
export const BENCHMARK_RANGES = ['198.18.0.0/15', '2001:2::/48'] as const;
/** Ranges a lab scan may reach without asking: loopback, RFC 1918, link-local, CGNAT, benchmark. */
export const LAB_RANGES = ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', BENCHMARK_RANGES[0]] as const;
/** The same for IPv6: loopback, unique local (ULA), link-local and the benchmarking range. */
export const LAB_RANGES_V6 = ['::1/128', 'fc00::/7', 'fe80::/10', BENCHMARK_RANGES[1]] as const;

export type IpVersion = 4 | 6;
type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/** The widest range a helper takes at launch: a /8 is already 16 million addresses. */
export const MIN_HELPER_ALLOW_PREFIX = 8;
/** The same for IPv6: a /32, what a whole provider is allocated; a site is a /48. */
export const MIN_HELPER_ALLOW_PREFIX_V6 = 32;

/**
 * An address as PortLab writes it everywhere (targets, captures, outputs): IPv4 dotted quad, IPv6 in
 * RFC 5952's compressed lower case (so "2001:2:0:240:0::2" and "2001:2:0:240::2" are one target),
 * with its zone ("fe80::1%eth0") kept. An IPv4-mapped IPv6 address (::ffff:198.18.0.2) is the IPv4
 * address it reaches. Undefined for anything else, IPv4 short forms ("10.1") included.
 */
export function canonicalAddress(text: string): string | undefined {
  const parsed = parseAddress(text);
  return parsed && (parsed.kind() === 'ipv6' ? (parsed as ipaddr.IPv6).toRFC5952String() : parsed.toString());
}

/** 4 or 6 for an IPv4 or IPv6 address, undefined for anything else. */
export function ipVersionOf(text: string): IpVersion | undefined {
  const parsed = parseAddress(text);
  return parsed && (parsed.kind() === 'ipv4' ? 4 : 6);
}

function parseAddress(text: string): Address | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!ipaddr.IPv6.isValid(text)) return undefined;
  const v6 = ipaddr.IPv6.parse(text);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/** An IPv4 or IPv6 CIDR, or an address meaning its /32 or /128. */
function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const [address, bits, extra] = trimmed.split('/');
  const parsed = address !== undefined && !address.includes('%') ? parseAddress(address) : undefined;
  const width = parsed?.kind() === 'ipv4' ? 32 : 128;
  const prefix = bits === undefined ? width : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!parsed || extra !== undefined || !(prefix <= width))
    throw new UserError(`bad --allow-target "${text}": expected a CIDR such as 203.0.113.0/24 or fd12:3456::/48`);
  return [parsed, prefix];
}

const widthOf = (a: Address) => (a.kind() === 'ipv4' ? 32 : 128);

/**
 * The helper's extra ranges, given at its launch (`portlab helper --allow-target`): each must parse
 * and be no wider than a /8 (IPv6: a /32), so that no setting turns the scope guard off.
 */
export function helperAllowRanges(texts: readonly string[]): string[] {
  for (const text of texts) {
    const [addr, bits] = parseCidr(text);
    const widest = addr.kind() === 'ipv4' ? MIN_HELPER_ALLOW_PREFIX : MIN_HELPER_ALLOW_PREFIX_V6;
    if (bits < widest)
      throw new UserError(
        `--allow-target ${text} covers ${1n << BigInt(widthOf(addr) - bits)} addresses; the helper takes ranges of at most a /${widest} (name the networks you may scan)`,
      );
  }
  return [...texts];
}

function within([addr, bits]: Cidr, [net, outerBits]: Cidr): boolean {
  return addr.kind() === net.kind() && outerBits <= bits && addr.match(net, outerBits);
}

const labCidrs = (): Cidr[] => [...LAB_RANGES, ...LAB_RANGES_V6].map(parseCidr);

/** The benchmarking range that holds `address`, undefined when none does. */
export function benchmarkRangeOf(address: string): string | undefined {
  const addr = parseAddress(address.split('%')[0]!);
  return addr && BENCHMARK_RANGES.find((range) => within([addr, widthOf(addr)], parseCidr(range)));
}

/** Whether every address of `inner` lies in one of `outer` (CIDRs or addresses), or in a lab range. */
export function rangeWithin(inner: string, outer: readonly string[]): boolean {
  const range = parseCidr(inner);
  return [...labCidrs(), ...outer.map(parseCidr)].some((o) => within(range, o));
}

/** Parsed once per scan: the built-in lab ranges plus the user's `--allow-target` CIDRs. */
export class ScopeGuard {
  private readonly ranges: Cidr[];

  constructor(allowTargets: readonly string[] = []) {
    this.ranges = [...labCidrs(), ...allowTargets.map(parseCidr)];
  }

  /** Whether `address` is an IPv4 or IPv6 address inside the scope (an IPv4-mapped one is judged as its IPv4 address). */
  allows(address: string): boolean {
    const addr = parseAddress(address);
    return addr !== undefined && this.ranges.some((r) => within([addr, widthOf(addr)], r));
  }

  /** Throws a UserError naming the address, the allowed ranges of its family and the flag that widens them. */
  check(address: string, shownAs = address): void {
    const canonical = canonicalAddress(address);
    if (!canonical) throw new UserError(`target "${shownAs}" is not an IPv4 or IPv6 address`);
    if (this.allows(address)) return;
    const label = shownAs === canonical ? canonical : `${shownAs} (${canonical})`;
    const [ranges, width] = ipVersionOf(canonical) === 4 ? [LAB_RANGES, 32] : [LAB_RANGES_V6, 128];
    throw new UserError(
      `target ${label} is outside the lab ranges (${ranges.join(', ')}); scan it only if you are allowed to, with --allow-target ${canonical.split('%')[0]}/${width}`,
    );
  }

  /**
   * Resolves names and checks every address; returns them in order without duplicates, IPv6 ones in
   * canonical form. `version` 6 (the CLI's `-6`) resolves names to IPv6 (AAAA) and refuses IPv4
   * addresses; otherwise names resolve to IPv4 and address literals of either family are taken as given.
   */
  async resolve(targets: readonly string[], version?: IpVersion): Promise<string[]> {
    const out: string[] = [];
    for (const target of targets) {
      const literal = canonicalAddress(target.trim());
      if (literal && version === 6 && ipVersionOf(literal) === 4)
        throw new UserError(`target ${target} is an IPv4 address; -6 scans IPv6 targets only (drop -6 to scan it)`);
      const address = literal ?? (await resolveName(target, version ?? 4));
      this.check(address, target);
      if (!out.includes(address)) out.push(address);
    }
    return out;
  }
}

/**
 * Throws unless every address is of one family: like nmap, one scan is IPv4 or IPv6 (the report's
 * scanner, the route and the outputs each have one address).
 */
export function checkOneIpVersion(addresses: readonly string[]): IpVersion | undefined {
  const versions = addresses.map(ipVersionOf);
  const first = versions[0];
  const other = versions.findIndex((v) => v !== first);
  if (other >= 0)
    throw new UserError(
      `targets ${addresses[0]} (IPv${first}) and ${addresses[other]} (IPv${versions[other]}) are of two address families; scan each family in its own run, IPv6 with -6`,
    );
  return first;
}

async function resolveName(name: string, version: IpVersion): Promise<string> {
  // dns.lookup('') warns of a deprecation on stderr before failing: an empty name is refused first
  if (name.trim() === '') throw new UserError('a target is empty: name a host or an IPv4 or IPv6 address');
  if (name.includes('/')) throw new UserError(`target "${name}": CIDR ranges are not supported; name hosts one by one`);
  try {
    return canonicalAddress((await lookup(name, { family: version })).address)!;
  } catch {
    const hint = version === 6 ? ' (-6 asks for AAAA records; drop it for IPv4)' : '';
    throw new UserError(`cannot resolve target "${name}" to an IPv${version} address${hint}`);
  }
}
