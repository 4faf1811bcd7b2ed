import type { PortSpec } from './ports';
import type { BarePortResult, PortResult, ResultFilter, ScanProgress, ScanSummary, Technique } from '../protocol';

/** One scan as the engine runs it: targets resolved and scope-checked, ports parsed. */
export interface ScanPlan {
  scanId: string;
  /** IPv4 addresses, already resolved and passed through the scope guard */
  targets: string[];
  /** ports in the order given, no duplicates, per transport */
  ports: PortSpec;
  techniques: Technique[];
  /** maximum send rate, packets per second */
  rate?: number;
  /** retransmissions of an unanswered probe before it counts as no-response */
  maxRetries?: number;
  /** outgoing interface; found from the routing table when absent */
  iface?: string;
  /**
   * unused addresses of the outgoing interface's subnet to send raw probes from (--source-ips),
   * checked by runScan before any probe; the interface's own address when absent
   */
  sourceIps?: string[];
  /** absolute directory where `<technique>.pcap` files are written; none when absent */
  captureDir?: string;
  /** the idle scan's zombie (-sI ZOMBIE[:PROBEPORT]), resolved and passed through the scope guard */
  zombie?: Zombie;
}

/** The third host of an idle scan: whose IP ID the scan reads, probed on `probePort`. */
export interface Zombie {
  address: string;
  probePort: number;
}

/** Callbacks the engine calls while a scan runs; each port result is final when delivered. */
export interface ScanEvents {
  progress?(p: ScanProgress): void;
  port?(r: PortResult): void;
}

export interface ScanOutcome {
  summary: ScanSummary;
  /**
   * Every reported port (of one technique and target when filtered), techniques in plan order, then
   * targets, then the port list's order. Each result is built as it is taken, so a full-range scan of
   * many hosts is never held as objects all at once: iterate, don't keep.
   */
  results(filter?: ResultFilter): Iterable<PortResult>;
  /** The same results without their exchanges, for what prints none (nmap's formats, folded rows). */
  bareResults(filter?: ResultFilter): Iterable<BarePortResult>;
  /** Every result's text as portResultJson (src/protocol/scan.ts) writes it, in the same order. */
  resultsJson(pretty: boolean): Iterable<string>;
}
