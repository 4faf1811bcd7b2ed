import { UserError } from './errors';

const PORT_LIST_HELP = 'use e.g. 22, 22-29, 7,53-87 or - for all 65535';

function parsePortNumber(text: string, spec: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new UserError(`bad port list "${spec}": "${text}" is not a port number (${PORT_LIST_HELP})`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw new UserError(`bad port list "${spec}": port ${n} is outside 1-65535`);
  return n;
}

/**
 * nmap's port syntax: comma-separated ports and ranges; `-` alone (or `-p-`) means 1-65535, and an
 * open-ended range (`-1024`, `60000-`) runs to the first or last port. Returns the ports in the
 * order given, without duplicates.
 */
export function parsePorts(spec: string): number[] {
  const trimmed = spec.trim();
  if (trimmed === '') throw new UserError(`bad port list "": empty (${PORT_LIST_HELP})`);
  const seen = new Uint8Array(65536);
  const ports: number[] = [];
  const add = (p: number) => {
    if (!seen[p]) {
      seen[p] = 1;
      ports.push(p);
    }
  };
  for (const item of trimmed.split(',')) {
    const part = item.trim();
    if (part === '') throw new UserError(`bad port list "${spec}": empty item (${PORT_LIST_HELP})`);
    const dash = part.indexOf('-');
    if (dash < 0) {
      add(parsePortNumber(part, spec));
      continue;
    }
    const lowText = part.slice(0, dash);
    const highText = part.slice(dash + 1);
    const low = lowText === '' ? 1 : parsePortNumber(lowText, spec);
    const high = highText === '' ? 65535 : parsePortNumber(highText, spec);
    if (low > high) throw new UserError(`bad port list "${spec}": range ${part} runs backwards`);
    for (let p = low; p <= high; p++) add(p);
  }
  return ports;
}
