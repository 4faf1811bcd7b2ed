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
