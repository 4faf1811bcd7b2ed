import { protocolOf, type BarePortResult, type PortResult, type PortState, type Technique } from '../protocol';
import { serviceName } from './services';
import { COMPACT_EXCHANGE_JSON, ExchangeLog, jsonKeyText, PRETTY_EXCHANGE_JSON, type ExchangeExtra, type LoggedPacket } from './exchange-log';
import type { DecodedFrame } from '../wire';
import type { PacketFields } from './packet-fields';
import type { PortVerdict } from '../technique';

/** How long a decided port keeps collecting packets (the kernel's RST right after a SYN/ACK) before it is reported. */
export const LINGER_MS = 150;

/** Service names as JSON strings, made once each: a few hundred distinct names at most. */
const SERVICE_JSON = new Map<string, string>();
function serviceJson(name: string): string {
  let text = SERVICE_JSON.get(name);
  if (text === undefined) SERVICE_JSON.set(name, (text = JSON.stringify(name)));
  return text;
}

const OPEN = 0;
const DECIDED = 1;
const REPORTED = 2;

/**
 * The verdicts and observed exchanges of one technique against one target, indexed like the port
 * list. Everything per port is a typed array or a packed exchange log: a full-range scan of many
 * hosts keeps a few dozen bytes per port, and PortResult objects are built only when handed out.
 */
export class PortBook {
  private readonly status: Uint8Array;
  private readonly ttl: Int16Array;
  private readonly decidedAt: Float64Array;
  /** index into `verdictKinds` + 1 (0: none yet): a technique has only a handful of distinct verdicts */
  private readonly verdictOf: Uint8Array;
  private readonly verdictKinds: PortVerdict[] = [];
  private readonly firstEntry: Int32Array;
  private readonly lastEntry: Int32Array;
  private readonly log: ExchangeLog;
  /** the log's number of each address the scan loop's reader numbers (knowAddresses) */
  private logIdOf: number[] = [];
  /** ports in the order they were decided (each once): reportDue reports them from queueHead on */
  private readonly decidedQueue: Int32Array;
  private queueHead = 0;
  readonly protocol: PortResult['protocol'];
  decided = 0;
  reported = 0;

  constructor(
    readonly technique: Technique,
    readonly target: string,
    readonly ports: readonly number[],
  ) {
    const n = ports.length;
    this.status = new Uint8Array(n);
    this.ttl = new Int16Array(n).fill(-1);
    this.decidedAt = new Float64Array(n);
    this.verdictOf = new Uint8Array(n);
    this.firstEntry = new Int32Array(n).fill(-1);
    this.lastEntry = new Int32Array(n).fill(-1);
    this.decidedQueue = new Int32Array(n);
    // a probe and its answer, the usual exchange; retransmissions and kernel packets take further chunks
    this.log = new ExchangeLog(2 * n);
    this.protocol = protocolOf(technique);
  }

  isOpen(i: number): boolean {
    return this.status[i] === OPEN;
  }

  /** A small number for an address, for recordPacket. */
  addressId(address: string): number {
    return this.log.addressId(address);
  }

  /** Adds a decoded packet to port i's exchange, unless that port was already reported. */
  record(i: number, d: DecodedFrame, dir: 'in' | 'out', tMs: number, extra: ExchangeExtra = {}): void {
    if (this.status[i] === REPORTED || !(d.ip || d.ip6)) return;
    this.link(i, this.log.addDecoded(this.lastEntry[i]!, d, dir, tMs, extra));
  }

  /**
   * The addresses a scan loop's reader numbers (its AddressBook's texts, by id), so that recordFields takes a
   * packet's source by the reader's number.
   */
  knowAddresses(texts: readonly string[]): void {
    this.logIdOf = texts.map((a) => this.log.addressId(a));
  }

  /** Adds a captured packet, read into `f` (its addresses numbered as knowAddresses was told), to port i's exchange. */
  recordFields(i: number, f: PacketFields, dir: 'in' | 'out', tMs: number, frame: number | undefined, kernel = false, retry?: number): void {
    if (this.status[i] === REPORTED) return;
    const srcId = f.srcId >= 0 ? this.logIdOf[f.srcId]! : this.log.addressId(f.srcText!);
    this.link(i, this.log.addFields(this.lastEntry[i]!, f, dir, tMs, srcId, frame, kernel, retry));
  }

  /** Adds a packet known without decoding (a probe we built) to port i's exchange. */
  recordPacket(i: number, p: LoggedPacket): void {
    if (this.status[i] === REPORTED) return;
    this.link(i, this.log.add(this.lastEntry[i]!, p));
  }

  private link(i: number, entry: number): void {
    if (this.firstEntry[i]! < 0) this.firstEntry[i] = entry;
    this.lastEntry[i] = entry;
  }

  /** The first verdict wins: duplicates and late answers never change a decided port. */
  decide(i: number, verdict: PortVerdict, now: number, ttl?: number): boolean {
    if (this.status[i] !== OPEN) return false;
    this.status[i] = DECIDED;
    let k = 0;
    const kinds = this.verdictKinds;
    while (k < kinds.length && !(kinds[k]!.state === verdict.state && kinds[k]!.reason === verdict.reason)) k++;
    if (k === kinds.length) kinds.push(verdict);
    this.verdictOf[i] = k + 1;
    this.decidedAt[i] = now;
    if (ttl !== undefined) this.ttl[i] = ttl;
    this.decidedQueue[this.decided++] = i;
    return true;
  }

  /**
   * Marks ports decided at least `lingerMs` ago (all of them when lingerMs is 0) as reported, and
   * hands each one's result to `report` when given; their exchanges take no more packets.
   */
  reportDue(now: number, lingerMs: number, report?: (r: PortResult) => void): void {
    while (this.queueHead < this.decided) {
      const i = this.decidedQueue[this.queueHead]!;
      if (lingerMs > 0 && now - this.decidedAt[i]! < lingerMs) break;
      this.queueHead++;
      this.status[i] = REPORTED;
      this.reported++;
      report?.(this.resultOf(i));
    }
  }

  private resultOf(i: number): PortResult;
  private resultOf(i: number, bare: true): BarePortResult;
  /** Built field by field in JSON's key order, without spreads: -oX, -oN and the table each take 65,535 after a full range. */
  private resultOf(i: number, bare = false): BarePortResult {
    const v = this.verdictKinds[this.verdictOf[i]! - 1]!;
    const port = this.ports[i]!;
    const result: BarePortResult & Partial<Pick<PortResult, 'exchange'>> = {
      technique: this.technique,
      target: this.target,
      port,
      protocol: this.protocol,
      state: v.state,
      reason: v.reason,
    };
    const service = serviceName(port, this.protocol);
    if (service) result.service = service;
    if (!bare) result.exchange = this.log.packets(this.firstEntry[i]!);
    if (this.ttl[i]! >= 0) result.reasonTtl = this.ttl[i]!;
    return result;
  }

  private isReported(i: number, except: ReadonlySet<PortState> | undefined): boolean {
    return this.status[i] === REPORTED && !except?.has(this.verdictKinds[this.verdictOf[i]! - 1]!.state);
  }

  /** Reported results in port-list order, each built as it is taken; `except` leaves out the ports in those states. */
  *results(except?: ReadonlySet<PortState>): Generator<PortResult> {
    for (let i = 0; i < this.ports.length; i++) if (this.isReported(i, except)) yield this.resultOf(i);
  }

  /** The same results without their exchanges. */
  *bareResults(except?: ReadonlySet<PortState>): Generator<BarePortResult> {
    for (let i = 0; i < this.ports.length; i++) if (this.isReported(i, except)) yield this.resultOf(i, true);
  }

  /**
   * The same results as portResultJson (src/protocol/scan.ts) writes them, from the arrays: neither a result
   * nor an exchange object is built, and every fixed piece of text is made once per book.
   */
  *resultsJson(pretty: boolean): Generator<string> {
    const keys = pretty ? PRETTY_EXCHANGE_JSON : COMPACT_EXCHANGE_JSON;
    const key = (name: string, first = false) => jsonKeyText(name, pretty, 6, first);
    const head = `{${key('technique', true)}${JSON.stringify(this.technique)}${key('target')}${JSON.stringify(this.target)}${key('port')}`;
    const protocol = `${key('protocol')}${JSON.stringify(this.protocol)}`;
    const verdicts = this.verdictKinds.map((v) => `${key('state')}${JSON.stringify(v.state)}${key('reason')}${JSON.stringify(v.reason)}`);
    const serviceKey = key('service');
    const exchangeKey = key('exchange');
    const ttlKey = key('reasonTtl');
    const close = pretty ? '\n    }' : '}';
    for (let i = 0; i < this.ports.length; i++) {
      if (this.status[i] !== REPORTED) continue;
      const port = this.ports[i]!;
      const service = serviceName(port, this.protocol);
      const ttl = this.ttl[i]!;
      yield `${head}${port}${protocol}${verdicts[this.verdictOf[i]! - 1]}${service ? `${serviceKey}${serviceJson(service)}` : ''}${exchangeKey}${this.log.packetsJson(this.firstEntry[i]!, keys)}${ttl >= 0 ? `${ttlKey}${ttl}` : ''}${close}`;
    }
  }

  /** How many reported ports are in each state. */
  stateCounts(): Map<PortVerdict['state'], number> {
    const counts = new Map<PortVerdict['state'], number>();
    for (let i = 0; i < this.ports.length; i++) {
      if (this.status[i] !== REPORTED) continue;
      const s = this.verdictKinds[this.verdictOf[i]! - 1]!.state;
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    return counts;
  }
}
