import { packetLabel, type ExchangePacket } from '../protocol';

/**
 * Mermaid source for the report's diagrams. Labels are quoted; the few characters Mermaid treats as
 * syntax inside them (quotes, `#` entity escapes, `;` statement breaks) are replaced.
 */
export function mermaidText(text: string): string {
  return text.replace(/"/g, "'").replace(/#/g, 'no. ').replace(/;/g, ',');
}

export interface FlowNode {
  id: string;
  lines: string[];
  /** a box drawn around the node, e.g. its network namespace */
  group?: string;
}

export function flowchart(nodes: FlowNode[], links: { from: string; to: string; label: string }[]): string {
  const out = ['flowchart LR'];
  for (const node of nodes) {
    const box = `${node.id}["${node.lines.map(mermaidText).join('<br/>')}"]`;
    if (node.group) out.push(`  subgraph ${node.id}_ns["${mermaidText(node.group)}"]`, `    ${box}`, '  end');
    else out.push(`  ${box}`);
  }
  for (const link of links) out.push(`  ${link.from} <-->|"${mermaidText(link.label)}"| ${link.to}`);
  return out.join('\n');
}

export interface SequenceWords {
  scanner: string;
  target: (address: string, port: number) => string;
  from: (address: string) => string;
  silence: string;
  kernel: string;
  retry: (n: number, seconds: string) => string;
}

/** A ladder diagram of one port's exchange, from the scanner's point of view. */
export function sequenceDiagram(exchange: readonly ExchangePacket[], scannerAddress: string, target: string, port: number, w: SequenceWords): string {
  const out = [
    'sequenceDiagram',
    `  participant S as ${mermaidText(`${w.scanner} ${scannerAddress}`)}`,
    `  participant T as ${mermaidText(w.target(target, port))}`,
  ];
  const firstProbe = exchange.find((p) => p.dir === 'out')?.t ?? 0;
  for (const p of exchange) {
    let label = packetLabel({ ...p, kernel: false });
    if (p.dir === 'in' && p.src !== target) label += ` ${w.from(p.src)}`;
    if (p.retry) label += ` (${w.retry(p.retry, ((p.t - firstProbe) / 1000).toFixed(2))})`;
    out.push(p.dir === 'out' ? `  S->>T: ${mermaidText(label)}` : `  T-->>S: ${mermaidText(label)}`);
    if (p.kernel) out.push(`  Note left of S: ${mermaidText(w.kernel)}`);
  }
  if (!exchange.some((p) => p.dir === 'in')) out.push(`  Note over S,T: ${mermaidText(w.silence)}`);
  return out.join('\n');
}

export interface IdleSequenceWords {
  scanner: string;
  target: (address: string, port: number) => string;
  zombie: (address: string) => string;
  /** under the SYN the scanner sent with the zombie's address as its source */
  spoofed: (address: string) => string;
  /** after a packet the scanner never saw but its IP ID readings prove */
  inferred: string;
}

/**
 * An idle scan's exchange with its three parties: the scanner's probes of the zombie and the zombie's
 * RSTs with their IP IDs, the SYN the scanner sent the target in the zombie's name, and (dotted, open
 * arrow) what only the IP ID shows: the target's answer to the zombie and the zombie's RST.
 */
export function idleSequenceDiagram(exchange: readonly ExchangePacket[], scannerAddress: string, target: string, port: number, w: IdleSequenceWords): string {
  const zombie = exchange.find((p) => p.dir === 'out' && p.dst !== undefined && p.dst !== target)?.dst ?? '?';
  const out = [
    'sequenceDiagram',
    `  participant S as ${mermaidText(`${w.scanner} ${scannerAddress}`)}`,
    `  participant Z as ${mermaidText(w.zombie(zombie))}`,
    `  participant T as ${mermaidText(w.target(target, port))}`,
  ];
  const party = (address: string | undefined) => (address === zombie ? 'Z' : address === target ? 'T' : 'S');
  // IPv6 has no IP ID: the zombie's counter there is its atomic fragment header's Identification.
  const counter = exchange.some((p) => p.ipVersion === 6) ? 'fragment ID' : 'IP ID';
  for (const p of exchange) {
    const flags = packetLabel({ ...p, ipId: undefined, inferred: false, kernel: false });
    const label = p.ipId === undefined ? flags : `${flags} (${counter} ${p.ipId})`;
    if (p.inferred) out.push(`  ${party(p.src)}--)${party(p.dst)}: ${mermaidText(`${label} ${w.inferred}`)}`);
    else if (p.dir === 'out') {
      out.push(`  S->>${party(p.dst)}: ${mermaidText(label)}`);
      if (p.src === zombie) out.push(`  Note right of S: ${mermaidText(w.spoofed(zombie))}`);
    } else out.push(`  ${party(p.src)}-->>${party(p.dst)}: ${mermaidText(label)}`);
  }
  return out.join('\n');
}
