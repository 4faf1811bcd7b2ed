import { z } from 'zod';

/** The six scan techniques, named as in `--json`, pcap file names and the report. */
export const TECHNIQUES = ['connect', 'syn', 'xmas', 'fin', 'null', 'udp'] as const;
export const Technique = z.enum(TECHNIQUES);
export type Technique = z.infer<typeof Technique>;

/** A technique's capture file, by the same name in the engine's capture directory and in every `--out` folder. */
export function captureFileName(technique: Technique): string {
  return `${technique}.pcap`;
}

/** How one OS connect() attempt ended: connected, timed out, or the errno code it failed with. */
export type ConnectOutcome = 'connected' | 'timeout' | string;

export const PORT_STATES = ['open', 'closed', 'filtered', 'open|filtered'] as const;
export const PortState = z.enum(PORT_STATES);
export type PortState = z.infer<typeof PortState>;

/**
 * nmap's `--reason` words. ICMP type 3 codes map to net-unreach (0), host-unreach (1),
 * proto-unreach (2), port-unreach (3), net-prohibited (9), host-prohibited (10), admin-prohibited (13);
 * ICMP type 11 to time-exceeded. A bare SYN answering a SYN (split handshake) is split-handshake-syn.
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
  icmpType: z.number().int().min(0).max(255).optional(),
  icmpCode: z.number().int().min(0).max(255).optional(),
  /** source address of the packet (an ICMP error may come from a router, not the target) */
  src: z.string(),
  /** IP total length in bytes */
  len: z.number().int().nonnegative(),
  /** 0 for the first probe, 1.. for retransmissions (outgoing probes only) */
  retry: z.number().int().nonnegative().optional(),
  kernel: z.boolean().optional(),
  /** 1-based frame number of this packet in the technique's pcap, when one was written */
  frame: z.number().int().positive().optional(),
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
  counts: z.record(PortState, z.number().int().nonnegative()),
  /** absolute path of this technique's pcap, when captures were written */
  capture: z.string().optional(),
  /** a remark on these results, e.g. why the exchanges are empty */
  note: z.string().optional(),
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
  prefixLength: z.number().int().min(0).max(32).optional(),
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

const FLAG_ORDER = 'FSRPAUEC';

/** TCP flag bits (FIN=0x01 … CWR=0x80) to tcpdump/nmap letters in F S R P A U E C order. */
export function tcpFlagLetters(flags: number): string {
  let s = '';
  for (let bit = 0; bit < 8; bit++) if (flags & (1 << bit)) s += FLAG_ORDER[bit];
  return s;
}

/** One packet in the textbook's arrow notation: "S", "SA", "R(kernel)", "ICMP 3/13", "UDP". */
export function packetLabel(p: ExchangePacket): string {
  let label: string;
  if (p.kind === 'tcp') label = p.flags === '' || p.flags === undefined ? 'NULL' : p.flags;
  else if (p.kind === 'icmp') label = `ICMP ${p.icmpType ?? '?'}/${p.icmpCode ?? '?'}`;
  else label = 'UDP';
  return p.kernel ? `${label}(kernel)` : label;
}

/** A whole exchange as the report and CLI print it: "S → SA → R(kernel)"; "" for none. */
export function formatExchange(exchange: readonly ExchangePacket[]): string {
  return exchange.map(packetLabel).join(' → ');
}
