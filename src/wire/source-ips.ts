import ipaddr from 'ipaddr.js';
import { OptionValueError } from '../base/errors';

/** More sources than this would only spread a scan over addresses it then has to answer ARP for. */
export const MAX_SOURCE_IPS = 64;

const toNumber = (a: ipaddr.IPv4) => a.toByteArray().reduce((n, b) => n * 256 + b, 0);
const fromNumber = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

function address(text: string, whole: string): number {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) throw badRange(whole);
  return toNumber(ipaddr.IPv4.parse(text));
}

function badRange(text: string): OptionValueError {
  const problem = `"${text}": expected addresses such as 198.18.5.100-107, 198.18.5.100-198.18.5.107 or 198.18.5.96/29 (comma-separated)`;
  return new OptionValueError(`bad --source-ips ${problem}`, problem);
}

function refused(problem: string): OptionValueError {
  return new OptionValueError(`--source-ips: ${problem}`, problem);
}

/**
 * `--source-ips`: comma-separated items, each an address, a range (`a.b.c.d-e` for the last octet or
 * `a.b.c.d-a.b.c.e`) or a CIDR (every address of the block: the subnet check refuses the
 * interface's own network and broadcast addresses). Order kept, duplicates dropped.
 */
export function parseSourceIps(text: string): string[] {
  const out = new Set<string>();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    let first: number;
    let last: number;
    if (item.includes('/')) {
      let cidr: [ipaddr.IPv4, number];
      try {
        cidr = ipaddr.IPv4.parseCIDR(item);
      } catch {
        throw badRange(text);
      }
      const bits = cidr[1];
      const size = 2 ** (32 - bits);
      first = Math.floor(toNumber(cidr[0]) / size) * size;
      last = first + size - 1;
    } else if (item.includes('-')) {
      const [from, to] = item.split('-') as [string, string];
      first = address(from, text);
      last = /^\d{1,3}$/.test(to) && Number(to) <= 255 ? first - (first % 256) + Number(to) : address(to, text);
    } else {
      first = last = address(item, text);
    }
    if (last < first) throw badRange(text);
    if (last - first + 1 + out.size > MAX_SOURCE_IPS) {
      const problem = `"${text}" names more than ${MAX_SOURCE_IPS} addresses`;
      throw new OptionValueError(`--source-ips ${problem}`, problem);
    }
    for (let n = first; n <= last; n++) out.add(fromNumber(n));
  }
  return [...out];
}

/** One IPv4 address of the outgoing interface, as `os.networkInterfaces()` gives it. */
export interface InterfaceAddress {
  address: string;
  /** e.g. 198.18.5.1/24 */
  cidr: string;
}

/**
 * Refuses sources a scan cannot answer for: off every subnet of the interface, the subnet's network
 * or broadcast address, or one of the interface's own addresses (the kernel owns those: it would
 * answer the target's replies itself). Whether another host uses an address is asked on the wire.
 */
export function checkSourceIps(sources: readonly string[], iface: string, addresses: readonly InterfaceAddress[]): void {
  const subnets = addresses.map((a) => ({ own: a.address, cidr: ipaddr.IPv4.parseCIDR(a.cidr) }));
  const shown = subnets.map((s) => `${ipaddr.IPv4.networkAddressFromCIDR(s.own + '/' + s.cidr[1]).toString()}/${s.cidr[1]}`).join(', ') || 'none';
  for (const source of sources) {
    const addr = ipaddr.IPv4.parse(source);
    if (subnets.some((s) => s.own === source)) throw refused(`${source} is ${iface}'s own address; give unused addresses of its subnet`);
    const subnet = subnets.find((s) => addr.match(s.cidr));
    if (!subnet) throw refused(`${source} is not on ${iface}'s subnet (${shown})`);
    const bits = subnet.cidr[1];
    if (bits <= 30) {
      const network = ipaddr.IPv4.networkAddressFromCIDR(`${subnet.own}/${bits}`).toString();
      const broadcast = ipaddr.IPv4.broadcastAddressFromCIDR(`${subnet.own}/${bits}`).toString();
      if (source === network) throw refused(`${source} is the network address of ${network}/${bits}`);
      if (source === broadcast) throw refused(`${source} is the broadcast address of ${network}/${bits}`);
    }
  }
}
