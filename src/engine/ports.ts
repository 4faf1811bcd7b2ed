import { protocolOf, type Technique } from '../protocol';
import { UserError } from '../base/errors';

const PORT_LIST_HELP = 'use e.g. 22, 22-29, 7,53-87, T:22,U:53 or - for all 65535';

function parsePortNumber(text: string, spec: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new UserError(`bad port list "${spec}": "${text}" is not a port number (${PORT_LIST_HELP})`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw new UserError(`bad port list "${spec}": port ${n} is outside 1-65535`);
  return n;
}

/** The ports a scan probes, per transport: TCP techniques use `tcp`, UDP uses `udp`. */
export interface PortSpec {
  readonly tcp: readonly number[];
  readonly udp: readonly number[];
}

export function portsFor(spec: PortSpec, technique: Technique): readonly number[] {
  return spec[protocolOf(technique)];
}

/**
 * Each port's index in `ports` (-1 for a port not in it): how a scan loop finds, from the port an answer names,
 * the typed-array slot of that port's state. An Int32Array: a list holds up to 65,535 ports.
 */
export function portIndexes(ports: readonly number[]): Int32Array {
  const indexOfPort = new Int32Array(65536).fill(-1);
  for (let i = 0; i < ports.length; i++) indexOfPort[ports[i]!] = i;
  return indexOfPort;
}

/** How many port results a scan of these techniques will give per target. */
export function portCount(spec: PortSpec, techniques: readonly Technique[]): number {
  return techniques.reduce((n, t) => n + portsFor(spec, t).length, 0);
}

/**
 * The ports of one transport in the order given, without duplicates. Gathered in a typed array and copied once
 * into an array of their exact length: pushed one by one, a full range's array grew through copies that were
 * 1 MB of garbage per transport, a third of a full-range scan's peak of large objects.
 */
class PortList {
  private readonly seen = new Uint8Array(65536);
  private readonly order = new Uint16Array(65535);
  private count = 0;

  add(p: number): void {
    if (!this.seen[p]) {
      this.seen[p] = 1;
      this.order[this.count++] = p;
    }
  }

  /** whether both lists hold the same ports in the same order */
  sameAs(other: PortList): boolean {
    if (other.count !== this.count) return false;
    for (let k = 0; k < this.count; k++) if (other.order[k] !== this.order[k]) return false;
    return true;
  }

  ports(): number[] {
    const ports = new Array<number>(this.count);
    for (let k = 0; k < this.count; k++) ports[k] = this.order[k]!;
    return ports;
  }
}

/**
 * nmap's port syntax: comma-separated ports and ranges; `-` alone (or `-p-`) means 1-65535, and an
 * open-ended range (`-1024`, `60000-`) runs to the first or last port. `T:` and `U:` make the
 * items after them TCP-only or UDP-only (`-p T:22,80,U:53`); unqualified items are for both.
 * Returns the ports in the order given, without duplicates.
 */
export function parsePorts(spec: string): PortSpec {
  const trimmed = spec.trim();
  if (trimmed === '') throw new UserError(`bad port list "": empty (${PORT_LIST_HELP})`);
  const tcp = new PortList();
  const udp = new PortList();
  let lists = [tcp, udp];
  for (const item of trimmed.split(',')) {
    let part = item.trim();
    const qualifier = /^([A-Za-z]):/.exec(part);
    if (qualifier) {
      const letter = qualifier[1]!.toUpperCase();
      if (letter !== 'T' && letter !== 'U')
        throw new UserError(`bad port list "${spec}": "${letter}:" is not a protocol PortLab scans (use T: for TCP, U: for UDP)`);
      lists = letter === 'T' ? [tcp] : [udp];
      part = part.slice(2).trim();
    }
    if (part === '') throw new UserError(`bad port list "${spec}": empty item (${PORT_LIST_HELP})`);
    const dash = part.indexOf('-');
    if (dash < 0) {
      const p = parsePortNumber(part, spec);
      for (const list of lists) list.add(p);
      continue;
    }
    const lowText = part.slice(0, dash);
    const highText = part.slice(dash + 1);
    const low = lowText === '' ? 1 : parsePortNumber(lowText, spec);
    const high = highText === '' ? 65535 : parsePortNumber(highText, spec);
    if (low > high) throw new UserError(`bad port list "${spec}": range ${part} runs backwards`);
    for (const list of lists) for (let p = low; p <= high; p++) list.add(p);
  }
  const tcpPorts = tcp.ports();
  // Without T: or U:, both transports have the same list: one array serves both (nothing changes a PortSpec).
  return { tcp: tcpPorts, udp: udp.sameAs(tcp) ? tcpPorts : udp.ports() };
}
