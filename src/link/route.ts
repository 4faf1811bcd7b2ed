import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import { canonicalIpv6, isIpv6Address } from '../wire';
import { UserError } from '../base/errors';
import { kernelRoute6, splitZone } from './route6';

/** How packets to one target leave this host. IPv6 addresses are in RFC 5952 form, as decoded packets show them. */
export interface Route {
  iface: string;
  /** our address on that interface, the probes' source */
  srcIp: string;
  srcMac: string;
  /** the gateway, or the target itself when it is on-link */
  nextHop: string;
  /** the target is this host (127.0.0.0/8, ::1 or one of its own addresses): packets go through `lo` */
  loopback: boolean;
}

const IFF_UP = 0x1;
const RTF_UP = 0x1;

/** /proc/net/route prints addresses as the host's little-endian u32 in hex. */
function procHexToIp(hex: string): string {
  const n = parseInt(hex, 16);
  return `${n & 255}.${(n >>> 8) & 255}.${(n >>> 16) & 255}.${n >>> 24}`;
}

function sysfs(iface: string, file: string): string | undefined {
  try {
    return readFileSync(`/sys/class/net/${iface}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function assertInterfaceUp(iface: string): void {
  if (!/^[\w.@:-]{1,15}$/.test(iface) || !existsSync(`/sys/class/net/${iface}`))
    throw new UserError(`interface "${iface}" does not exist (see \`ip link\`)`, 'interface-unusable');
  const flags = parseInt(sysfs(iface, 'flags') ?? '0', 16);
  const oper = sysfs(iface, 'operstate');
  if (!(flags & IFF_UP) || oper === 'down' || oper === 'lowerlayerdown') throw new UserError(`interface ${iface} is down`, 'interface-unusable');
}

export function ipv4AddressesOf(iface: string): { address: string; cidr: string }[] {
  return (networkInterfaces()[iface] ?? []).filter((a) => a.family === 'IPv4').map((a) => ({ address: a.address, cidr: a.cidr ?? `${a.address}/32` }));
}

function isLocalAddress(target: string): boolean {
  return Object.values(networkInterfaces()).some((list) => (list ?? []).some((a) => a.family === 'IPv4' && a.address === target));
}

interface RouteEntry {
  iface: string;
  dest: ipaddr.IPv4;
  gateway: string;
  prefix: number;
  metric: number;
}

function routingTable(): RouteEntry[] {
  const lines = readFileSync('/proc/net/route', 'utf8').trim().split('\n').slice(1);
  const entries: RouteEntry[] = [];
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !(parseInt(f[3]!, 16) & RTF_UP)) continue;
    const mask = ipaddr.IPv4.parse(procHexToIp(f[7]!));
    entries.push({
      iface: f[0]!,
      dest: ipaddr.IPv4.parse(procHexToIp(f[1]!)),
      gateway: procHexToIp(f[2]!),
      prefix: mask.prefixLengthFromSubnetMask() ?? 32,
      metric: Number(f[6]),
    });
  }
  return entries;
}

/**
 * IPv4: longest-prefix match in the main routing table, as the kernel would pick (lowest metric on ties).
 * IPv6 (a link-local one may carry its interface as "%zone"): the kernel's own answer (findRoute6).
 */
export function findRoute(target: string, ifaceOverride?: string): Route {
  if (isIpv6Address(target)) return findRoute6(target, ifaceOverride);
  const addr = ipaddr.IPv4.parse(target);
  if (addr.range() === 'loopback' || isLocalAddress(target)) {
    const iface = ifaceOverride ?? 'lo';
    assertInterfaceUp(iface);
    return { iface, srcIp: addr.range() === 'loopback' ? '127.0.0.1' : target, srcMac: '00:00:00:00:00:00', nextHop: target, loopback: true };
  }
  const candidates = routingTable()
    .filter((r) => (ifaceOverride ? r.iface === ifaceOverride : true) && addr.match(r.dest, r.prefix))
    .sort((a, b) => b.prefix - a.prefix || a.metric - b.metric);
  const best = candidates[0];
  if (ifaceOverride) assertInterfaceUp(ifaceOverride);
  const iface = best?.iface ?? ifaceOverride;
  if (!iface) throw new UserError(`no route to ${target} (see \`ip route\`)`, 'no-route');
  assertInterfaceUp(iface);
  const addresses = ipv4AddressesOf(iface);
  const onLink = addresses.find((a) => {
    const [net, bits] = ipaddr.IPv4.parseCIDR(a.cidr);
    return addr.match(net, bits);
  });
  const srcIp = (onLink ?? addresses[0])?.address;
  if (!srcIp) throw new UserError(`interface ${iface} has no IPv4 address`, 'interface-unusable');
  const gateway = best && best.gateway !== '0.0.0.0' ? best.gateway : undefined;
  return { iface, srcIp, srcMac: sysfs(iface, 'address') ?? '00:00:00:00:00:00', nextHop: gateway ?? target, loopback: false };
}

/**
 * The IPv6 route as `ip -6 route get` gives it, out of -e's interface or a link-local target's zone when
 * given. A target that is this host (::1, or one of its own addresses) goes through `lo`.
 */
function findRoute6(target: string, ifaceOverride: string | undefined): Route {
  const { address, zone } = splitZone(target);
  const oif = ifaceOverride ?? zone;
  if (oif !== undefined) assertInterfaceUp(oif);
  const kernel = kernelRoute6(address, oif);
  if (!kernel) throw new UserError(`no route to ${target} (see \`ip -6 route\`)`, 'no-route');
  const canonical = canonicalIpv6(address);
  if (kernel.local) {
    const iface = ifaceOverride ?? 'lo';
    assertInterfaceUp(iface);
    return { iface, srcIp: canonical, srcMac: '00:00:00:00:00:00', nextHop: canonical, loopback: true };
  }
  assertInterfaceUp(kernel.dev);
  if (!kernel.prefsrc) throw new UserError(`interface ${kernel.dev} has no IPv6 address to reach ${target} from`, 'interface-unusable');
  return {
    iface: kernel.dev,
    srcIp: canonicalIpv6(kernel.prefsrc),
    srcMac: sysfs(kernel.dev, 'address') ?? '00:00:00:00:00:00',
    nextHop: kernel.gateway ? canonicalIpv6(kernel.gateway) : canonical,
    loopback: false,
  };
}

/** The next hop's MAC from the kernel's neighbour table, when it has a complete entry. */
export function neighbourFromArpTable(ip: string, iface: string): string | undefined {
  const lines = readFileSync('/proc/net/arp', 'utf8').trim().split('\n').slice(1);
  for (const line of lines) {
    const [address, , flags, mac, , device] = line.trim().split(/\s+/);
    if (address === ip && device === iface && parseInt(flags ?? '0', 16) & 0x2) return mac;
  }
  return undefined;
}
