import type { LabDescription, LabHost, LabPort } from '../protocol';

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function portTable(ports: readonly LabPort[]): string[] {
  return table([['port', 'truth', 'how'], ...ports.map((p) => [`${p.port}/${p.protocol}`, p.truth, p.how])]);
}

function hostRow(h: LabHost): string[] {
  const address6 = h.address6 === undefined ? '' : `${h.address6}/${h.prefixLength6 ?? ''}`;
  const more = h.randomIpIdAddress === undefined ? '' : `also ${h.randomIpIdAddress}/${h.prefixLength} (random IP ID)`;
  return [h.role, h.namespace, h.iface, `${h.address}/${h.prefixLength}`, address6, h.mac, more];
}

/** What the hosts other than scanner and target are, and the stateless host's ports. */
function otherHosts(d: LabDescription): string[] {
  const lines: string[] = [];
  for (const host of d.hosts.filter((h) => h.role !== 'scanner' && h.role !== 'target')) {
    lines.push('', `${host.role} ${host.address}: ${host.how ?? ''}`.trimEnd());
    if (host.ports?.length) lines.push(...portTable(host.ports));
  }
  return lines;
}

/** The short human view of `portlab lab up|status`: hosts, then each port with its truth and how it is made. */
export function formatLabDescription(d: LabDescription): string {
  const lines = [`lab ${d.id} (${[d.subnet, d.subnet6].filter(Boolean).join(', ')}): ${d.up ? 'up' : 'down'}`];
  for (const problem of d.problems ?? []) lines.push(`  problem: ${problem}`);
  lines.push('', ...table([['role', 'namespace', 'iface', 'address', 'address6', 'mac', ''], ...d.hosts.map(hostRow)]));
  if (d.segment) lines.push(`switch: bridge ${d.segment.bridge} in ${d.segment.namespace}, one port per host`);
  if (d.hostLink) lines.push(hostLinkLine(d.hostLink));
  const target = d.hosts.find((h) => h.role === 'target');
  lines.push('', target ? `target ${target.address}:` : 'target:', ...portTable(d.ports), ...otherHosts(d));
  const ratelimit = d.sysctls['net.ipv4.icmp_ratelimit'];
  if (ratelimit !== undefined) lines.push('', `target net.ipv4.icmp_ratelimit = ${ratelimit} ms`);
  if (d.up) {
    const scanner = d.hosts.find((h) => h.role === 'scanner');
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
