import { protocolOf, type PortResult, type PortState, type Protocol, type ScanDocument, type Technique } from '../protocol';
import { NMAP_FLAG } from '../technique';
import { foldedStates } from '../protocol/webview';

// The folding rule is shared with the results table, which can import only the protocol.
export { foldedStates, MAX_SHOWN_PER_STATE } from '../protocol/webview';

/**
 * The shape both nmap writers (-oX, -oN) print: nmap allows one TCP technique plus UDP per run, so a
 * document with several TCP techniques (e.g. SYN and Xmas) is split into passes, each holding at most
 * one TCP and one UDP technique; every pass lists each target as one nmap host.
 */
export interface NmapPass {
  techniques: Technique[];
  hosts: NmapHostReport[];
}

/** One target as nmap reports it in one pass. */
export interface NmapHostReport {
  address: string;
  /** ports listed one by one, in protocol then port order */
  ports: PortResult[];
  /** states collapsed into nmap's "Not shown" / <extraports> */
  extra: ExtraPorts[];
}

export interface ExtraPorts {
  state: PortState;
  count: number;
  reasons: { reason: string; protocol: Protocol; ports: number[] }[];
}

export interface NmapRun {
  args: string;
  start: Date;
  end: Date;
  passes: NmapPass[];
  /** per technique, the port list nmap prints in <scaninfo services=…> */
  scanInfo: { technique: Technique; protocol: Protocol; ports: number[] }[];
  targets: string[];
}

export function nmapRun(doc: ScanDocument): NmapRun {
  const start = new Date(doc.startedAt);
  const techniques = unique(doc.results.map((r) => r.technique));
  for (const t of doc.summary?.techniques ?? []) if (!techniques.includes(t.technique)) techniques.push(t.technique);
  const targets = unique(doc.results.map((r) => r.target));
  const scanInfo = techniques.map((technique) => ({
    technique,
    protocol: protocolOf(technique),
    ports: unique(doc.results.filter((r) => r.technique === technique).map((r) => r.port)).sort((a, b) => a - b),
  }));
  const passes = splitIntoPasses(techniques).map((passTechniques) => ({
    techniques: passTechniques,
    hosts: targets.map((address) =>
      nmapHost(
        address,
        doc.results.filter((r) => r.target === address && passTechniques.includes(r.technique)),
      ),
    ),
  }));
  return { args: commandLine(doc), start, end: endOf(doc, start), passes, scanInfo, targets };
}

function splitIntoPasses(techniques: Technique[]): Technique[][] {
  const tcp = techniques.filter((t) => t !== 'udp');
  const udp = techniques.filter((t) => t === 'udp');
  const count = Math.max(tcp.length, udp.length);
  return Array.from({ length: count }, (_, i) => [...(tcp[i] ? [tcp[i]] : []), ...(i === 0 ? udp : [])]);
}

/** One host as nmap prints it: its ports in protocol and port order, the folded states apart. */
export function nmapHost(address: string, results: PortResult[]): NmapHostReport {
  const sorted = [...results].sort((a, b) => (a.protocol === b.protocol ? a.port - b.port : a.protocol === 'tcp' ? -1 : 1));
  const hidden = foldedStates(sorted);
  // In order of first appearance, as the ports are sorted.
  const byState = new Map<PortState, { count: number; reasons: Map<string, { reason: string; protocol: Protocol; ports: number[] }> }>();
  for (const r of sorted) {
    if (!hidden.has(r.state)) continue;
    const inState = byState.get(r.state) ?? { count: 0, reasons: new Map() };
    byState.set(r.state, inState);
    inState.count++;
    const key = `${r.reason}/${r.protocol}`;
    const entry = inState.reasons.get(key) ?? { reason: r.reason, protocol: r.protocol, ports: [] };
    entry.ports.push(r.port);
    inState.reasons.set(key, entry);
  }
  const extra: ExtraPorts[] = [...byState].map(([state, { count, reasons }]) => ({ state, count, reasons: [...reasons.values()] }));
  return { address, ports: sorted.filter((r) => !hidden.has(r.state)), extra };
}

/** The reasons of folded ports as nmap words them: "reset", or with counts when they differ ("3 reset, 2 no-response"). */
export function foldedReasons(reasons: readonly { reason: string; ports: readonly number[] }[]): string {
  return reasons.map((r) => (reasons.length === 1 ? r.reason : `${r.ports.length} ${r.reason}`)).join(', ');
}

function endOf(doc: ScanDocument, start: Date): Date {
  const ends = (doc.summary?.techniques ?? []).map((t) => new Date(t.startedAt).getTime() + t.durationMs);
  return new Date(Math.max(start.getTime(), ...ends));
}

function commandLine(doc: ScanDocument): string {
  if (doc.command && doc.command.length > 0) return doc.command.join(' ');
  const flags = unique(doc.results.map((r) => `-s${NMAP_FLAG[r.technique]}`)).join(' ');
  return `portlab scan ${flags} ${unique(doc.results.map((r) => r.target)).join(' ')}`.replace(/\s+/g, ' ').trim();
}

/** nmap's compact port list: "1-30,53,80". */
export function portRanges(ports: readonly number[]): string {
  return numberRanges([...new Set(ports)].sort((a, b) => a - b));
}

/**
 * Runs of consecutive numbers folded into ranges, in the order given: 3, 4, 5, 9 → "3-5,9" with the
 * default `dash` and `separator`, "3–5, 9" with an en dash and ", ".
 */
export function numberRanges(numbers: readonly number[], dash = '-', separator = ','): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length;) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    parts.push(i === j ? `${numbers[i]}` : `${numbers[i]}${dash}${numbers[j]}`);
    i = j + 1;
  }
  return parts.join(separator);
}

/** nmap's date format: "Wed Nov 25 20:34:31 2026" (local time, like ctime without the newline). */
export function nmapDate(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

export function unixSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
