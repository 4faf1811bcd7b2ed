import type { TcpOption, TcpProbeTemplate } from '../wire';
import type { ConnectOutcome, PortState, Reason, Technique } from '../protocol';
import type { IpIdSequence } from './ipid-sequence';

/** What a port's answers mean: the state and nmap's `--reason` word. */
export interface PortVerdict {
  state: PortState;
  reason: Reason;
}

/**
 * An answer already matched to one of our probes, reduced to what classification needs: the engine
 * builds it from a live packet, the report from a captured one.
 */
export type Answer =
  /** `window`: the segment's TCP window field, which the Window scan reads from a RST */
  | { kind: 'tcp'; flags: number; window: number }
  | { kind: 'udp' }
  /**
   * An ICMP error (`ipVersion` 4) or ICMPv6 error (6), by its type and code in that version's numbering.
   * `fromTarget`: it came from the scanned address itself, not a router on the way.
   */
  | { kind: 'icmp'; ipVersion: 4 | 6; type: number; code: number; fromTarget: boolean }
  /**
   * The idle scan's answer, read from a third host: how many more packets the zombie sent while
   * `ports` spoofed probes were out than the scanner's own probes of its IP ID account for.
   */
  | { kind: 'ipid'; rise: number; ports: number };

/** The fields of one probe; the scan loop picks ports and sequence numbers, the technique the rest. */
export interface ProbeFields {
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  /** TCP sequence number (ignored by UDP) */
  seq: number;
}

/** What every TCP probe of one scan shares; the port, sequence number and source port vary. */
export interface TcpProbeBase {
  srcIp: string;
  dstIp: string;
  srcPort: number;
  srcMac: string;
  dstMac: string;
}

/** A TCP technique's probe segment. */
export interface TcpProbe {
  flags: number;
  /** absent when the scanner's kernel builds the segment with options of its own (connect) */
  options?: readonly TcpOption[];
}

/** A UDP technique's probe datagram: its payload depends on the port. */
export interface UdpProbe {
  payloadFor(port: number): Uint8Array;
}

/**
 * The columns of the textbook table (docs/architecture.md "Textbook expectation"), plus nmap's open|filtered
 * and unfiltered (reached by the probe: open or closed), the states a port is checked against when its truth is unknown.
 */
export type TextbookColumn = 'open' | 'closed' | 'filtered' | 'open|filtered' | 'unfiltered' | 'closed|filtered';

/** The prose of a textbook cell in the report's language; flags, ICMP codes and states are the same in every language. */
export interface TextbookWords {
  noAnswer: string;
  retries: string;
  orNone: string;
  answer: string;
  datagram: string;
  teardown: string;
  other: string;
  /** the idle scan's probe, sent with the zombie's address as its source */
  spoofed: string;
}

/** One cell of the textbook table: what a port of that column exchanges, and what a scan may call it. */
export interface TextbookCell {
  /** the exchange in the arrow notation of formatExchange ("S → SA → R"), worded in `words`' language */
  expected(words: TextbookWords): string;
  /** the reported states that agree with this column */
  allows: readonly PortState[];
}

/** What a technique is, said once: every part of PortLab that needs a fact about a technique reads it here. */
interface TechniqueFacts {
  readonly name: Technique;
  /** the name the course and the extension use: "SYN", "Xmas" */
  readonly displayName: string;
  /** nmap's `-s` letter: `S` for -sS */
  readonly nmapFlag: string;
  /** nmap's XML `<scaninfo type>`; undefined where nmap writes none (its idle scan, -sI) */
  readonly nmapScanType: string | undefined;
  /** undefined when the answer does not decide the port (the scan keeps waiting) */
  classify(answer: Answer): PortVerdict | undefined;
  /** the verdict when every retry went unanswered */
  readonly noResponse: PortVerdict;
  /** retransmissions after the first probe when the user gives no --max-retries */
  readonly defaultRetries: number;
  readonly textbook: Readonly<Record<TextbookColumn, TextbookCell>>;
}

export type TechniqueEntry = TechniqueFacts & ({ readonly protocol: 'tcp'; readonly probe: TcpProbe } | { readonly protocol: 'udp'; readonly probe: UdpProbe });

/** A technique that sends its own packets (needs CAP_NET_RAW). */
export type RawTechnique = TechniqueEntry & {
  readonly name: Exclude<Technique, 'connect' | 'idle'>;
  /** a bare IPv4 packet (no link header) carrying the probe */
  buildProbe(fields: ProbeFields): Uint8Array;
  /** TCP techniques: the same probe as a reusable frame, so the send loop allocates nothing per probe */
  probeTemplate?(base: TcpProbeBase): TcpProbeTemplate;
  /**
   * The acknowledgement number a TCP answer to a probe with sequence number `seq` carries
   * (seq + the SYN and FIN flags' sequence space); undefined for UDP.
   */
  expectedAck(seq: number): number | undefined;
};

/** The technique whose probes the OS sends through connect(): the engine sees only how each call ends. */
export type ConnectTechnique = TechniqueEntry & {
  readonly name: 'connect';
  /** undefined for an outcome that decides nothing (a timeout: retry, then noResponse) */
  classifyOutcome(outcome: ConnectOutcome): PortVerdict | undefined;
  /** how Linux ends connect() when `answer` reaches the socket; undefined while the call keeps waiting */
  outcomeOf(answer: Answer): ConnectOutcome | undefined;
};

/**
 * The idle scan: its probes reach the target with the zombie's address as their source, so the target
 * answers the zombie, and the scanner reads that answer from the rise of the zombie's IP ID.
 */
export type IdleTechnique = TechniqueEntry & {
  readonly name: 'idle';
  readonly protocol: 'tcp';
  /** what draws a RST, and with it an IP ID, from the zombie */
  readonly zombieProbe: TcpProbe;
  /** the zombie's port for zombieProbe when ZOMBIE names none (nmap's) */
  readonly defaultProbePort: number;
  /** the IP ID classes whose rise the scan can read */
  readonly usableSequences: readonly IpIdSequence[];
  /** a bare IPv4 packet carrying the probe; `srcIp` is the zombie's address */
  buildProbe(fields: ProbeFields): Uint8Array;
  /** a bare IPv4 packet carrying zombieProbe; its `ack` comes back as the sequence number of the zombie's RST */
  buildZombieProbe(fields: ProbeFields & { ack: number }): Uint8Array;
};
