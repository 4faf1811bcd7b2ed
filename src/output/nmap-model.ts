import { protocolOf, type BarePortResult, type PortState, type Protocol, type ScanHead, type Technique } from '../protocol';
import { NMAP_FLAG } from '../technique';
import { foldedStatesOfCounts } from '../protocol/webview';
import type { BareResultSource } from './result-source';

// The folding rule is shared with the results table, which can import only the protocol.
export { foldedStates, MAX_SHOWN_PER_STATE } from '../protocol/webview';

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
  ports: BarePortResult[];
  /** states collapsed into nmap's "Not shown" / <extraports> */
  extra: ExtraPorts[];
}

/** One target as nmap reports it in one pass, its listed ports taken again from the scan's results as they are written. */
export interface StreamedNmapHost<R extends BarePortResult = BarePortResult> {
  address: string;
  extra: ExtraPorts[];
  listedCount: number;
  /** the states folded into `extra` */
  folded: ReadonlySet<PortState>;
  /** the states of the listed ports */
  listedStates: ReadonlySet<PortState>;
  /** whether `take` hands the ports over in nmap's order (else listed() sorts them) */
  inOrder: boolean;
  /** ports listed one by one, in protocol then port order */
  listed(): Iterable<R>;
}

/** The ports of one state that share a reason and a protocol, in order of first appearance. */
export interface ReasonPorts {
  reason: string;
  protocol: Protocol;
  ports: PortRuns;
}

export interface ExtraPorts {
  state: PortState;
  count: number;
  reasons: ReasonPorts[];
}

/**
 * Ports given in ascending order, kept as runs of consecutive numbers: a full range's 65,510 closed ports are a
 * few dozen runs, where an array of them grew through 1.5 MB of copies (for -oX, then again for the table).
 */
export class PortRuns {
  count = 0;
  private readonly firsts: number[] = [];
  private readonly lasts: number[] = [];
  /** false once a port came below the last: the runs then mean nothing (streamedNmapHost groups again, sorted) */
  private ascending = true;

  add(port: number): void {
    this.count++;
    const n = this.lasts.length;
    const last = n > 0 ? this.lasts[n - 1]! : -1;
    if (port === last + 1 && n > 0) this.lasts[n - 1] = port;
    else if (port > last) {
      this.firsts.push(port);
      this.lasts.push(port);
    } else if (port < last) this.ascending = false;
    // a port given twice in a row (a hand-edited results.json) is counted twice and written once, as before
  }

  /** nmap's compact list: "1-21,23-79" */
  text(): string {
    if (!this.ascending) throw new Error('PortRuns were given ports out of order');
    return this.firsts.map((first, k) => (first === this.lasts[k] ? `${first}` : `${first}-${this.lasts[k]}`)).join(',');
  }
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
export function nmapRun(head: ScanHead, source: BareResultSource): NmapRun {
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
    host: (pass, address) => streamedNmapHost(address, (except) => passResults(source, pass.techniques, address, except)),
  };
}

function scanInfoOf(technique: Technique, portSet: Uint8Array | undefined): ScanInfo {
  const ports = new PortRuns();
  if (portSet) for (let p = 0; p < PORT_SPACE; p++) if (portSet[p]) ports.add(p);
  return { technique, protocol: protocolOf(technique), count: ports.count, services: ports.text() };
}

function* passResults(
  source: BareResultSource,
  techniques: readonly Technique[],
  target: string,
  except: ReadonlySet<PortState> | undefined,
): Generator<BarePortResult> {
  for (const technique of techniques) yield* source(except ? { technique, target, except } : { technique, target });
}

function splitIntoPasses(techniques: Technique[]): Technique[][] {
  const tcp = techniques.filter((t) => t !== 'udp');
  const udp = techniques.filter((t) => t === 'udp');
  const count = Math.max(tcp.length, udp.length);
  return Array.from({ length: count }, (_, i) => [...(tcp[i] ? [tcp[i]] : []), ...(i === 0 ? udp : [])]);
}

/** One host as nmap prints it: its ports in protocol and port order, the folded states apart. */
export function nmapHost(address: string, results: readonly BarePortResult[]): NmapHostReport {
  const host = streamedNmapHost(address, (except) => (except ? results.filter((r) => !except.has(r.state)) : results));
  return { address, ports: [...host.listed()], extra: host.extra };
}

/**
 * One host as nmap prints it, from results that `take` hands over again on every call, leaving out the ports in
 * the states `except` names (when a source can, it then builds none of them). The engine's come in nmap's order
 * already (port-list order, TCP before UDP): one walk counts the states and groups the ports of all but open
 * ones, the listed ones are taken again as they are written. Others are sorted once.
 */
export function streamedNmapHost<R extends BarePortResult>(address: string, take: (except?: ReadonlySet<PortState>) => Iterable<R>): StreamedNmapHost<R> {
  let ordered = true;
  let last = -1;
  let groups = groupedStates(take(), (r) => {
    const key = orderKey(r);
    if (key < last) ordered = false;
    last = key;
  });
  let walk = take;
  if (!ordered) {
    const sorted = [...take()].sort(byNmapOrder);
    walk = (except) => (except ? sorted.filter((r) => !except.has(r.state)) : sorted);
    groups = groupedStates(sorted);
  }
  const folded = foldedStatesOfCounts(groups.counts);
  const extra: ExtraPorts[] = [];
  let listedCount = 0;
  const listedStates = new Set<PortState>();
  for (const [state, count] of groups.counts) {
    if (!folded.has(state)) {
      listedCount += count;
      listedStates.add(state);
    } else extra.push({ state, count, reasons: groups.reasons.get(state)! });
  }
  return {
    address,
    extra,
    listedCount,
    folded,
    listedStates,
    inOrder: ordered,
    listed: () => walk(folded),
  };
}

/** The count of each state, and the ports of each non-open state by reason and protocol; all in order of first appearance. */
function groupedStates(
  results: Iterable<BarePortResult>,
  see?: (r: BarePortResult) => void,
): { counts: Map<PortState, number>; reasons: Map<PortState, ReasonPorts[]> } {
  const counts = new Map<PortState, number>();
  const reasons = new Map<PortState, ReasonPorts[]>();
  for (const r of results) {
    see?.(r);
    counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
    if (r.state === 'open') continue;
    let inState = reasons.get(r.state);
    if (!inState) reasons.set(r.state, (inState = []));
    // a state has a reason or two: a scan of them costs less than a key text made for each of 65,535 ports
    let entry: ReasonPorts | undefined;
    for (const e of inState) if (e.reason === r.reason && e.protocol === r.protocol) entry = e;
    if (!entry) inState.push((entry = { reason: r.reason, protocol: r.protocol, ports: new PortRuns() }));
    entry.ports.add(r.port);
  }
  return { counts, reasons };
}

/** nmap's order of a host's ports: TCP before UDP, then by port. */
function orderKey(r: BarePortResult): number {
  return (r.protocol === 'tcp' ? 0 : PORT_SPACE) + r.port;
}

/** A comparator for sort() in nmap's order of a host's ports. */
export function byNmapOrder(a: BarePortResult, b: BarePortResult): number {
  return orderKey(a) - orderKey(b);
}

/** The reasons of folded ports as nmap words them: "reset", or with counts when they differ ("3 reset, 2 no-response"). */
export function foldedReasons(reasons: readonly { reason: string; ports: { readonly count: number } }[]): string {
  return reasons.map((r) => (reasons.length === 1 ? r.reason : `${r.ports.count} ${r.reason}`)).join(', ');
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
  // Sorted in a typed array (a full range's 65,535 ports as a Set were 3 MB of -oX's peak memory); PortRuns folds
  // them and writes a repeated port once.
  const runs = new PortRuns();
  for (const port of Uint32Array.from(ports).sort()) runs.add(port);
  return runs.text();
}

/**
 * Runs of consecutive numbers folded into ranges, in the order given: 3, 4, 5, 9 → "3-5,9" with the
 * default `dash` and `separator`, "3–5, 9" with an en dash and ", ".
 */
export function numberRanges(numbers: ArrayLike<number>, dash = '-', separator = ','): string {
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
