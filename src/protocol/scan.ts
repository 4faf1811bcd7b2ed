import { z } from 'zod';

/** The scan techniques, named as in `--json`, pcap file names and the report. */
export const TECHNIQUES = ['connect', 'syn', 'xmas', 'fin', 'null', 'udp', 'ack', 'window', 'maimon', 'idle'] as const;
export const Technique = z.enum(TECHNIQUES);
export type Technique = z.infer<typeof Technique>;

/** A technique's capture file, by the same name in the engine's capture directory and in every `--out` folder. */
export function captureFileName(technique: Technique): string {
  return `${technique}.pcap`;
}

/** How one OS connect() attempt ended: connected, timed out, or the errno code it failed with. */
export type ConnectOutcome = 'connected' | 'timeout' | string;

export const PORT_STATES = ['open', 'closed', 'filtered', 'open|filtered', 'unfiltered', 'closed|filtered'] as const;
export const PortState = z.enum(PORT_STATES);
export type PortState = z.infer<typeof PortState>;

/**
 * nmap's `--reason` words. ICMP type 3 codes map to net-unreach (0), host-unreach (1),
 * proto-unreach (2), port-unreach (3), net-prohibited (9), host-prohibited (10), admin-prohibited (13);
 * ICMP type 11 to time-exceeded. A bare SYN answering a SYN (split handshake) is split-handshake-syn.
 * The idle scan's are ipid-change (the zombie's IP ID rose by the port's answer) and no-ipid-change.
 * ICMPv6 destination unreachable (type 1) codes map to no-route (0), admin-prohibited (1 and 5),
 * beyond-scope (2), host-unreach (3), port-unreach (4), reject-route (6); parameter problem (4) to param-problem.
 */
export const REASONS = [
  'syn-ack',
  'split-handshake-syn',
  'reset',
  'conn-refused',
  'no-response',
  'udp-response',
  'net-unreach',
  'host-unreach',
  'proto-unreach',
  'port-unreach',
  'net-prohibited',
  'host-prohibited',
  'admin-prohibited',
  'time-exceeded',
  'ipid-change',
  'no-ipid-change',
  'no-route',
  'beyond-scope',
  'reject-route',
  'param-problem',
] as const;
export const Reason = z.enum(REASONS);
export type Reason = z.infer<typeof Reason>;

export const Protocol = z.enum(['tcp', 'udp']);
export type Protocol = z.infer<typeof Protocol>;

export function protocolOf(technique: Technique): Protocol {
  return technique === 'udp' ? 'udp' : 'tcp';
}

/**
 * One packet of a port's observed exchange, as seen on the scanner's wire.
 * `dir` is from the scanner's point of view. `kernel` marks an outgoing packet that the scanner's
 * own kernel sent (e.g. the RST after a SYN/ACK in a SYN scan), not the scanner itself.
 */
export const ExchangePacket = z.object({
  dir: z.enum(['out', 'in']),
  /** milliseconds since the technique's scan started */
  t: z.number().nonnegative(),
  kind: z.enum(['tcp', 'udp', 'icmp']),
  /** TCP flags in tcpdump/nmap letters, in the order F S R P A U E C (e.g. "S", "SA", "RA", "FPU", "") */
  flags: z.string().optional(),
  /** the TCP window field of an answer (incoming TCP only): what the Window scan reads from a RST */
  window: z.number().int().min(0).max(65535).optional(),
  icmpType: z.number().int().min(0).max(255).optional(),
  icmpCode: z.number().int().min(0).max(255).optional(),
  /** source address of the packet (an ICMP error may come from a router, not the target) */
  src: z.string(),
  /** IP total length in bytes (IPv6: payload length + 40) */
  len: z.number().int().nonnegative(),
  /** 6 on every packet of an IPv6 exchange (its `icmp` packets are ICMPv6); absent for IPv4 */
  ipVersion: z.literal(6).optional(),
  /** 0 for the first probe, 1.. for retransmissions (outgoing probes only) */
  retry: z.number().int().nonnegative().optional(),
  kernel: z.boolean().optional(),
  /** 1-based frame number of this packet in the technique's pcap, when one was written */
  frame: z.number().int().positive().optional(),
  /**
   * Idle scan (three parties): the packet's destination, its IP ID where the scan reads it (the zombie's
   * answers), and `inferred` for a packet between zombie and target that the scanner never sees but
   * deduces from the zombie's IP ID (the target's SYN/ACK and the zombie's RST to it).
   */
  dst: z.string().optional(),
  /** IPv6: the 32-bit Identification of the zombie's atomic fragment header, the IPv6 idle scan's counter */
  ipId: z.number().int().min(0).max(0xffffffff).optional(),
  inferred: z.boolean().optional(),
  /** idle scan, on a SYN sent in the zombie's name: how many ports' SYNs went out in its round (one IP ID rise counts them all) */
  group: z.number().int().positive().optional(),
});
export type ExchangePacket = z.infer<typeof ExchangePacket>;

export const PortResult = z.object({
  technique: Technique,
  target: z.string(),
  port: z.number().int().min(0).max(65535),
  protocol: Protocol,
  state: PortState,
  reason: Reason,
  /** TTL of the answer that decided the state, as nmap's `--reason` shows */
  reasonTtl: z.number().int().min(0).max(255).optional(),
  /** IANA service name (nmap-services) where known */
  service: z.string().optional(),
  exchange: z.array(ExchangePacket),
});
export type PortResult = z.infer<typeof PortResult>;

/** One technique's results against one target; `except` leaves out the ports in those states. */
export interface ResultFilter {
  technique: Technique;
  target: string;
  except?: ReadonlySet<PortState>;
}

/**
 * A port's result without its exchange: what nmap's formats, state counts and the report need, much cheaper to
 * build. Parsing with it drops a result's exchange.
 */
export const BarePortResult = PortResult.omit({ exchange: true });
export type BarePortResult = z.infer<typeof BarePortResult>;

/**
 * One result's text in a scan document: `JSON.stringify(r)`, or when pretty as an element of a document's
 * `results` written by `JSON.stringify(doc, null, 2)` (nested two levels deep). The engine writes the same
 * text straight from its packed results (src/engine/port-book.ts), held byte-identical to this by its tests.
 */
export function portResultJson(r: PortResult, pretty: boolean): string {
  return pretty ? JSON.stringify(r, null, 2).replaceAll('\n', '\n    ') : JSON.stringify(r);
}

export const ScanProgress = z.object({
  scanId: z.string(),
  technique: Technique,
  target: z.string(),
  /** probes sent, retransmissions included */
  sent: z.number().int().nonnegative(),
  /** answers received that were matched to a probe */
  answered: z.number().int().nonnegative(),
  /** ports decided so far and ports in all, for this technique */
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** current send rate, packets per second */
  rate: z.number().nonnegative(),
});
export type ScanProgress = z.infer<typeof ScanProgress>;

export const TechniqueSummary = z.object({
  technique: Technique,
  target: z.string(),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  packetsSent: z.number().int().nonnegative(),
  packetsReceived: z.number().int().nonnegative(),
  /** ports per state; a state may be missing (results written before it existed), which means none */
  counts: z.partialRecord(PortState, z.number().int().nonnegative()),
  /** absolute path of this technique's pcap, when captures were written */
  capture: z.string().optional(),
  /** a remark on these results, e.g. why the exchanges are empty */
  note: z.string().optional(),
  /**
   * the idle scan's zombie, with the class of its IP IDs in nmap's words ("Incremental"), as nmap prints it
   * before the ports; `phantoms`: groups whose IP ID rose more than their ports explained (the zombie is not idle)
   */
  zombie: z
    .object({ address: z.string(), probePort: z.number().int().min(1).max(65535), ipIdClass: z.string(), phantoms: z.number().int().positive().optional() })
    .optional(),
  /** the target's MAC address (lower case, colon-separated), from its ARP answer, when it is on-link; raw techniques only */
  mac: z
    .string()
    .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/)
    .optional(),
});
export type TechniqueSummary = z.infer<typeof TechniqueSummary>;

/** Facts about the scanning host, for the report's Environment section. */
export const ScannerInfo = z.object({
  hostname: z.string(),
  kernel: z.string(),
  tool: z.string(),
  iface: z.string().optional(),
  address: z.string().optional(),
  mac: z.string().optional(),
  /** the network namespace scanned from: its name under /run/netns, or `net:[inode]` when it has none; absent in the host's own */
  netns: z.string().optional(),
  /** the route to the first target: its next hop when the target is not on-link, and the prefix of the scanner's network */
  gateway: z.string().optional(),
  /** the scanner's network prefix: up to 32 for IPv4, 128 for IPv6 */
  prefixLength: z.number().int().min(0).max(128).optional(),
});
export type ScannerInfo = z.infer<typeof ScannerInfo>;

export const ScanSummary = z.object({
  scanId: z.string(),
  /** true when the scan was cancelled or failed before every port was decided */
  partial: z.boolean(),
  error: z.string().optional(),
  techniques: z.array(TechniqueSummary),
  /** the host that scanned, for the report (the helper may run on another host or namespace than its client) */
  scanner: ScannerInfo.optional(),
});
export type ScanSummary = z.infer<typeof ScanSummary>;

/** The document printed by `portlab scan --json` and written to `--out DIR/results.json`. */
export const ScanDocument = z.object({
  tool: z.string(),
  startedAt: z.string(),
  command: z.array(z.string()).optional(),
  /** earlier scans that `scan --out` merged into this document (same directory), oldest first */
  earlier: z.array(z.object({ startedAt: z.string(), command: z.array(z.string()).optional() })).optional(),
  scanner: ScannerInfo.optional(),
  summary: ScanSummary.optional(),
  results: z.array(PortResult),
});
export type ScanDocument = z.infer<typeof ScanDocument>;

/** Everything of a scan document but its results, which are written and read apart (one at a time). */
export type ScanHead = Omit<ScanDocument, 'results'>;

/** A scan document with bare results: what the report and nmap's runs beside it read. Parsing with it drops the exchanges. */
export const BareScanDocument = ScanDocument.extend({ results: z.array(BarePortResult) });
export type BareScanDocument = z.infer<typeof BareScanDocument>;

const FLAG_ORDER = 'FSRPAUEC';

/** Every flag byte's letters, made once: an analysed capture asks for them once per TCP packet. */
const FLAG_LETTERS = Array.from({ length: 256 }, (_, flags) => [...FLAG_ORDER].filter((_, bit) => flags & (1 << bit)).join(''));

/** TCP flag bits (FIN=0x01 … CWR=0x80) to tcpdump/nmap letters in F S R P A U E C order. */
export function tcpFlagLetters(flags: number): string {
  return FLAG_LETTERS[flags & 255]!;
}

/** One packet in the textbook's arrow notation: "S", "SA", "R(kernel)", "ICMP 3/13", "ICMPv6 1/4", "UDP", "R#1234" (an IP ID the idle scan reads). */
export function packetLabel(p: ExchangePacket): string {
  let label: string;
  if (p.kind === 'tcp') label = p.flags === '' || p.flags === undefined ? 'NULL' : p.flags;
  else if (p.kind === 'icmp') label = `${p.ipVersion === 6 ? 'ICMPv6' : 'ICMP'} ${p.icmpType ?? '?'}/${p.icmpCode ?? '?'}`;
  else label = 'UDP';
  // The idle scan's zombie answers carry their IP ID ("R#1234"); what it only infers is marked so.
  if (p.ipId !== undefined) label += `#${p.ipId}`;
  if (p.inferred) label += '(inferred)';
  return p.kernel ? `${label}(kernel)` : label;
}

/** A whole exchange as the report and CLI print it: "S → SA → R(kernel)"; "" for none. */
export function formatExchange(exchange: readonly ExchangePacket[], showWindow = false): string {
  return exchange.map((p) => (showWindow ? packetLabelWithWindow(p) : packetLabel(p))).join(' → ');
}

/** The Window scan's reading of an answer is its window: "R (win 0)", as its textbook row writes it. */
export function packetLabelWithWindow(p: ExchangePacket): string {
  return p.window === undefined ? packetLabel(p) : `${packetLabel(p)} (win ${p.window})`;
}
