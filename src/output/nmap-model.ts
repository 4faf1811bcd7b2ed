import { protocolOf, type PortResult, type PortState, type Protocol, type ScanDocument, type Technique } from '../protocol';
import { NMAP_FLAG } from '../technique';
import { foldedStates } from '../protocol/webview';
import type { ResultSource } from './result-source';

// The folding rule is shared with the results table, which can import only the protocol.
export { foldedStates, MAX_SHOWN_PER_STATE } from '../protocol/webview';

/** A scan document without its results, which writers take from a ResultSource. */
export type ScanHead = Omit<ScanDocument, 'results'>;

/**
 * nmap allows one TCP technique plus UDP per run, so a scan with several TCP techniques (e.g. SYN and Xmas)
 * is written as passes, each holding at most one TCP and one UDP technique; every pass lists each target
 * as one nmap host.
 */
export interface NmapPass {
  techniques: Technique[];
}

/** One target as nmap reports it in one pass, its ports held (the report, the CLI's table). */
export interface NmapHostReport {
  address: string;
  /** ports listed one by one, in protocol then port order */
  ports: PortResult[];
  /** states collapsed into nmap's "Not shown" / <extraports> */
  extra: ExtraPorts[];
}

/** One target as nmap reports it in one pass, its listed ports taken again from the scan's results as they are written. */
export interface StreamedNmapHost {
  address: string;
  extra: ExtraPorts[];
  listedCount: number;
  /** ports listed one by one, in protocol then port order */
  listed(): Iterable<PortResult>;
}

export interface ExtraPorts {
  state: PortState;
  count: number;
  reasons: { reason: string; protocol: Protocol; ports: number[] }[];
}

/** What nmap prints in <scaninfo> for one technique: how many ports, and which ("1-30,53,80"). */
export interface ScanInfo {
  technique: Technique;
  protocol: Protocol;
  count: number;
  services: string;
}

export interface NmapRun {
  args: string;
  start: Date;
  end: Date;
  passes: NmapPass[];
  scanInfo: ScanInfo[];
  targets: string[];
  /** one target's report in one pass, worked out when asked for */
  host(pass: NmapPass, address: string): StreamedNmapHost;
}

const PORT_SPACE = 65536;

/** What both nmap writers need besides the ports themselves: one walk over the results. */
export function nmapRun(head: ScanHead, source: ResultSource): NmapRun {
  const start = new Date(head.startedAt);
  const scanned: Technique[] = [];
  const targets: string[] = [];
  const portsOf = new Map<Technique, Uint8Array>();
  const seenTargets = new Set<string>();
  for (const r of source()) {
    let ports = portsOf.get(r.technique);
    if (!ports) {
      ports = new Uint8Array(PORT_SPACE);
      portsOf.set(r.technique, ports);
      scanned.push(r.technique);
    }
    ports[r.port] = 1;
    if (!seenTargets.has(r.target)) {
      seenTargets.add(r.target);
      targets.push(r.target);
    }
  }
  const techniques = [...scanned];
  for (const t of head.summary?.techniques ?? []) if (!techniques.includes(t.technique)) techniques.push(t.technique);
  const scanInfo = techniques.map((technique) => scanInfoOf(technique, portsOf.get(technique)));
  return {
    args: commandLine(head, scanned, targets),
    start,
    end: endOf(head, start),
    passes: splitIntoPasses(techniques).map((passTechniques) => ({ techniques: passTechniques })),
    scanInfo,
    targets,
    host: (pass, address) => streamedNmapHost(address, () => passResults(source, pass.techniques, address)),
  };
}

function scanInfoOf(technique: Technique, portSet: Uint8Array | undefined): ScanInfo {
  const ports: number[] = [];
  if (portSet) for (let p = 0; p < PORT_SPACE; p++) if (portSet[p]) ports.push(p);
  return { technique, protocol: protocolOf(technique), count: ports.length, services: numberRanges(ports) };
}

function* passResults(source: ResultSource, techniques: readonly Technique[], target: string): Generator<PortResult> {
  for (const technique of techniques) yield* source({ technique, target });
}

function splitIntoPasses(techniques: Technique[]): Technique[][] {
  const tcp = techniques.filter((t) => t !== 'udp');
  const udp = techniques.filter((t) => t === 'udp');
  const count = Math.max(tcp.length, udp.length);
  return Array.from({ length: count }, (_, i) => [...(tcp[i] ? [tcp[i]] : []), ...(i === 0 ? udp : [])]);
}

/** One host as nmap prints it: its ports in protocol and port order, the folded states apart. */
export function nmapHost(address: string, results: readonly PortResult[]): NmapHostReport {
  const host = streamedNmapHost(address, () => results);
  return { address, ports: [...host.listed()], extra: host.extra };
}

/**
 * One host as nmap prints it, from results that `take` hands over again on every call. The engine's come in
 * nmap's order already (port-list order, TCP before UDP) and are walked as they come; others are sorted once.
 */
export function streamedNmapHost(address: string, take: () => Iterable<PortResult>): StreamedNmapHost {
  let ordered = true;
  let last = -1;
  const hidden = foldedStates(
    tap(take(), (r) => {
      const key = orderKey(r);
      if (key < last) ordered = false;
      last = key;
    }),
  );
  const walk = ordered ? take : sortedOnce(take);
  // In order of first appearance, as the ports are sorted.
  const byState = new Map<PortState, { count: number; reasons: Map<string, { reason: string; protocol: Protocol; ports: number[] }> }>();
  let listedCount = 0;
  for (const r of walk()) {
    if (!hidden.has(r.state)) {
      listedCount++;
      continue;
    }
    const inState = byState.get(r.state) ?? { count: 0, reasons: new Map() };
    byState.set(r.state, inState);
    inState.count++;
    const key = `${r.reason}/${r.protocol}`;
    const entry = inState.reasons.get(key) ?? { reason: r.reason, protocol: r.protocol, ports: [] };
    entry.ports.push(r.port);
    inState.reasons.set(key, entry);
  }
  const extra: ExtraPorts[] = [...byState].map(([state, { count, reasons }]) => ({ state, count, reasons: [...reasons.values()] }));
  return {
    address,
    extra,
    listedCount,
    *listed() {
      for (const r of walk()) if (!hidden.has(r.state)) yield r;
    },
  };
}

/** nmap's order of a host's ports: TCP before UDP, then by port. */
function orderKey(r: PortResult): number {
  return (r.protocol === 'tcp' ? 0 : PORT_SPACE) + r.port;
}

function sortedOnce(take: () => Iterable<PortResult>): () => readonly PortResult[] {
  const sorted = [...take()].sort((a, b) => orderKey(a) - orderKey(b));
  return () => sorted;
}

function* tap<T>(items: Iterable<T>, see: (item: T) => void): Generator<T> {
  for (const item of items) {
    see(item);
    yield item;
  }
}

/** The reasons of folded ports as nmap words them: "reset", or with counts when they differ ("3 reset, 2 no-response"). */
export function foldedReasons(reasons: readonly { reason: string; ports: readonly number[] }[]): string {
  return reasons.map((r) => (reasons.length === 1 ? r.reason : `${r.ports.length} ${r.reason}`)).join(', ');
}

function endOf(head: ScanHead, start: Date): Date {
  const ends = (head.summary?.techniques ?? []).map((t) => new Date(t.startedAt).getTime() + t.durationMs);
  return new Date(Math.max(start.getTime(), ...ends));
}

function commandLine(head: ScanHead, techniques: readonly Technique[], targets: readonly string[]): string {
  if (head.command && head.command.length > 0) return head.command.join(' ');
  const flags = unique(techniques.map((t) => `-s${NMAP_FLAG[t]}`)).join(' ');
  return `portlab scan ${flags} ${targets.join(' ')}`.replace(/\s+/g, ' ').trim();
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
