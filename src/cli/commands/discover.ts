import type { Command } from 'commander';
import { discoverHosts, expandTargets } from '../../engine/discover';
import { hasCapNetRaw } from '../../link';
import type { DiscoveredHost } from '../../protocol';
import { discoverViaHelper } from '../via-helper';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** nmap -sn's normal output: one line per live host. */
function formatHosts(targets: string, hosts: DiscoveredHost[], seconds: number): string {
  const width = Math.max(15, ...hosts.map((h) => h.address.length));
  const lines = hosts.map((h) => {
    const mac = h.mac ? `  MAC ${h.mac}` : '';
    return `${h.address.padEnd(width)}  up  ${`${h.rttMs.toFixed(3)} ms`.padStart(11)}  ${h.method}${mac}`;
  });
  return `${lines.join('\n')}${lines.length ? '\n' : ''}portlab discover ${targets}: ${hosts.length} host${hosts.length === 1 ? '' : 's'} up, in ${seconds.toFixed(2)} s\n`;
}

export function register(program: Command): void {
  program
    .command('discover')
    .description('find live hosts like nmap -sn: ARP (IPv6: neighbour discovery) on the local subnet; ICMP echo, TCP SYN 443 and ACK 80 beyond it')
    .argument('<targets>', 'a CIDR (198.18.0.0/24, 2001:2:0:240::/120), a range (198.18.0.1-20) or an address; at most a /16 (IPv6: a /112)')
    .option('-6, --ipv6', 'discover IPv6 hosts only (an IPv6 CIDR or address; one works without -6 too)')
    .option('-e, --iface <IFACE>', 'the interface to send on (default: from the routing table)')
    .option('--allow-target <CIDR>', 'also allow this range outside the lab ranges (repeatable; only with permission)', collect, [])
    .option('--json', 'print the hosts as JSON')
    .action(async (targets: string, opts: { iface?: string; allowTarget: string[]; json?: boolean; ipv6?: boolean }) => {
      // nmap's -6 with an IPv4 target: refused before anything is sent
      if (opts.ipv6) expandTargets(targets, 6);
      const started = performance.now();
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      try {
        const request = { targets, allowTargets: opts.allowTarget, ...(opts.iface ? { iface: opts.iface } : {}) };
        // ARP and ping sweeps need raw sockets: without CAP_NET_RAW the privileged helper sends them.
        const hosts = hasCapNetRaw() ? await discoverHosts(request, abort.signal) : await discoverViaHelper(request, abort.signal);
        process.stdout.write(opts.json ? `${JSON.stringify(hosts, null, 2)}\n` : formatHosts(targets, hosts, (performance.now() - started) / 1000));
      } finally {
        process.off('SIGINT', stop);
      }
    });
}
