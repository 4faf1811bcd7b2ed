import type { TcpProbeTemplate } from '../wire';
import type { PortState, Reason, Technique } from '../protocol';

/** What a port's answers mean: the state and nmap's `--reason` word. */
export interface Verdict {
  state: PortState;
  reason: Reason;
}

/** An answer already matched to one of our probes, reduced to what classification needs. */
export type Answer =
  | { kind: 'tcp'; flags: number }
  | { kind: 'udp' }
  /** `fromTarget`: the ICMP error came from the scanned address itself, not a router on the way */
  | { kind: 'icmp'; type: number; code: number; fromTarget: boolean };

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

/** A technique that sends its own packets (needs CAP_NET_RAW). */
export interface RawTechnique {
  readonly name: Exclude<Technique, 'connect'>;
  readonly protocol: 'tcp' | 'udp';
  /** a bare IPv4 packet (no link header) carrying the probe */
  buildProbe(fields: ProbeFields): Uint8Array;
  /** TCP techniques: the same probe as a reusable frame, so the send loop allocates nothing per probe */
  probeTemplate?(base: TcpProbeBase): TcpProbeTemplate;
  /**
   * The acknowledgement number a TCP answer to a probe with sequence number `seq` carries
   * (seq + the SYN and FIN flags' sequence space); undefined for UDP.
   */
  expectedAck(seq: number): number | undefined;
  /** undefined when the answer does not decide the port (the scan keeps waiting) */
  classify(answer: Answer): Verdict | undefined;
  /** the verdict when every retry went unanswered */
  readonly noResponse: Verdict;
  /** retransmissions after the first probe when the user gives no --max-retries */
  readonly defaultRetries: number;
}
