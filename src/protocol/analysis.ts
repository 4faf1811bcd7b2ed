import { z } from 'zod';
import { PortState, Protocol, Reason, Technique, TECHNIQUES } from './scan';

/**
 * What `portlab analyze` names in a captured exchange besides the textbook's arrows. Some break the
 * textbook (a handshake never completed, an odd probe), others explain a packet the textbook leaves out
 * (the scanner's kernel, an ICMP answer to handle).
 */
export const DEVIATION_KINDS = [
  'handshake-not-completed',
  'icmp-answer',
  'retransmission',
  'kernel-reset',
  'late-answer',
  'odd-probe-flags',
  'empty-udp-probe',
  'kernel-port-unreachable',
  'reset-to-ack',
  'same-probe',
] as const;
export const DeviationKind = z.enum(DEVIATION_KINDS);
export type DeviationKind = z.infer<typeof DeviationKind>;

/** What explains two techniques' different answers about one port. */
export const CROSS_TECHNIQUE_KINDS = ['stateful-firewall', 'syn-only-filter', 'reject-rule', 'rate-limit', 'rst-on-open', 'answers-changed'] as const;
export const CrossTechniqueKind = z.enum(CROSS_TECHNIQUE_KINDS);
export type CrossTechniqueKind = z.infer<typeof CrossTechniqueKind>;

/** A technique of the table, or `unknown` for a probe no technique sends (a lone RST). */
export const AnalyzedTechnique = z.enum([...TECHNIQUES, 'unknown']);
export type AnalyzedTechnique = z.infer<typeof AnalyzedTechnique>;

/** The facts a sentence is made from, so that another face can word it in its own language. */
const Facts = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** 1-based frame numbers, as Wireshark numbers the packets of the file. */
const Frames = z.array(z.number().int().positive());

const Port = z.number().int().min(0).max(65535);

/** What a finding cites and says: its frames, its sentence, and the facts the sentence is made from. */
const Explained = z.object({ frames: Frames, text: z.string(), facts: Facts });

export const CaptureDeviation = z.object({ kind: DeviationKind, ...Explained.shape });
export type CaptureDeviation = z.infer<typeof CaptureDeviation>;

export const CaptureExchange = z.object({
  technique: AnalyzedTechnique,
  /** the address that sent the first probe */
  scanner: z.string(),
  target: z.string(),
  port: Port,
  protocol: Protocol,
  /** by the technique table's rules; absent for an `unknown` technique */
  state: PortState.optional(),
  reason: Reason.optional(),
  packets: Frames,
  /** packets the scanner's kernel sent, not the scanning program */
  fromKernel: Frames,
  /** the packets in the textbook's arrow notation ("S → SA → R(kernel)") */
  observed: z.string(),
  textbook: z.object({
    matches: z.boolean(),
    /** the textbook's cell for this technique and state, in arrow notation */
    expected: z.string().optional(),
    deviations: z.array(CaptureDeviation),
  }),
});
export type CaptureExchange = z.infer<typeof CaptureExchange>;

export const CrossTechniqueFinding = z.object({
  target: z.string(),
  port: Port,
  techniques: z.array(Technique).min(2),
  kind: CrossTechniqueKind,
  ...Explained.shape,
});
export type CrossTechniqueFinding = z.infer<typeof CrossTechniqueFinding>;

/** The document printed by `portlab analyze FILE --json`. */
export const CaptureAnalysisDocument = z.object({
  file: z.string(),
  format: z.enum(['pcap', 'pcapng']),
  /** packets read from the file */
  packets: z.number().int().nonnegative(),
  exchanges: z.array(CaptureExchange),
  crossTechnique: z.array(CrossTechniqueFinding),
  /** packets that belong to no scan exchange (ARP, other traffic, a link type PortLab cannot decode) */
  unattributed: z.number().int().nonnegative(),
  /** second copies of a packet captured on two interfaces of the file, left out of the exchanges */
  duplicates: z.number().int().positive().optional(),
  /** where a damaged or cut file stopped: every packet before it was analysed */
  stoppedAt: z
    .object({
      offset: z.number().int().nonnegative(),
      packet: z.number().int().positive(),
      error: z.string(),
    })
    .optional(),
  /** one line per link type some packets have that PortLab cannot decode */
  unsupportedLinkTypes: z.array(z.string()).optional(),
});
export type CaptureAnalysisDocument = z.infer<typeof CaptureAnalysisDocument>;
