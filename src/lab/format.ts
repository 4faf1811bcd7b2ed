import type { LabDescription } from '../protocol';

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** The short human view of `portlab lab up|status`: hosts, then each port with its truth and how it is made. */
export function formatLabDescription(d: LabDescription): string {
  const lines = [`lab ${d.id} (${d.subnet}): ${d.up ? 'up' : 'down'}`];
  for (const problem of d.problems ?? []) lines.push(`  problem: ${problem}`);
  lines.push(
    '',
    ...table([
      ['role', 'namespace', 'iface', 'address', 'mac'],
      ...d.hosts.map((h) => [h.role, h.namespace, h.iface, `${h.address}/${h.prefixLength}`, h.mac]),
    ]),
    ...(d.hostLink ? [hostLinkLine(d.hostLink)] : []),
    '',
    ...table([['port', 'truth', 'how'], ...d.ports.map((p) => [`${p.port}/${p.protocol}`, p.truth, p.how])]),
  );
  const ratelimit = d.sysctls['net.ipv4.icmp_ratelimit'];
  if (ratelimit !== undefined) lines.push('', `target net.ipv4.icmp_ratelimit = ${ratelimit} ms`);
  if (d.up) {
    const scanner = d.hosts.find((h) => h.role === 'scanner');
    const target = d.hosts.find((h) => h.role === 'target');
    const tcpPorts = d.ports
      .filter((p) => p.protocol === 'tcp')
      .map((p) => p.port)
      .sort((a, b) => a - b);
    if (scanner && target)
      lines.push('', `scan it from the scanner: ip netns exec ${scanner.namespace} portlab scan ${target.address} -p ${tcpPorts.join(',')} -sS`);
    if (target && d.hostLink) lines.push(`or from this host, as any user: portlab scan ${target.address} -p ${tcpPorts.join(',')} -sT`);
  }
  return `${lines.join('\n')}\n`;
}

function hostLinkLine(link: NonNullable<LabDescription['hostLink']>): string {
  const { host, target, prefixLength, route } = link;
  return `host link: ${host.iface} ${host.address}/${prefixLength} (host) <-> ${target.iface} ${target.address}/${prefixLength} (${target.namespace}); the host routes ${route} through it`;
}
