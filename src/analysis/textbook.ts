import { tcpFlagLetters, type ExchangePacket, type LabTruth, type PortState, type Reason, type Technique } from '../protocol';
import { TCP_RST } from '../wire';
import { TECHNIQUE_TABLE, type Answer, type TextbookColumn } from '../technique';
import { labTextbookColumn } from '../technique/lab-answer';
import { readIdleExchange } from './idle-answer';

/** The textbook column a lab port of this truth is checked against, for `technique`'s probe. */
export function columnOfTruth(truth: LabTruth, technique: Technique): TextbookColumn {
  return labTextbookColumn(technique, truth);
}

export interface WireClassification {
  state: PortState;
  reason: Reason;
  /** the packet that decided the state, when one came back */
  answer?: ExchangePacket;
  /** probes sent before the deciding answer (or in all, when none came) */
  probes: number;
}

/**
 * The technique table's rules (docs/architecture.md "Port states") applied to the packets on the
 * wire: the first answer that decides wins, silence after the probes gives the table's noResponse.
 */
export function classifyWire(technique: Technique, target: string, exchange: readonly ExchangePacket[]): WireClassification | undefined {
  const entry = TECHNIQUE_TABLE[technique];
  if (entry.name === 'idle') {
    // No packet of the target's reaches the scanner: the answer is the rise of the zombie's IP ID around the port's SYN.
    const reading = readIdleExchange(exchange, target);
    const decided = reading && entry.classify(reading.answer);
    return decided ? { state: decided.state, reason: decided.reason, answer: reading.decisive, probes: 1 } : undefined;
  }
  const probesBefore = (i: number) => exchange.slice(0, i).filter((p) => p.dir === 'out' && p.retry !== undefined).length;
  for (let i = 0; i < exchange.length; i++) {
    const p = exchange[i]!;
    if (p.dir !== 'in') continue;
    const answer = answerOf(p, target);
    const decided = answer && entry.classify(answer);
    // Written out, not spread from the verdict: a spread object takes twice the memory, once per port of a capture.
    if (decided) return { state: decided.state, reason: decided.reason, answer: p, probes: probesBefore(i) };
  }
  const probes = probesBefore(exchange.length);
  if (probes === 0) return undefined;
  return { state: entry.noResponse.state, reason: entry.noResponse.reason, probes };
}

/** The technique tells ports apart by the window of a RST (the Window scan), by the table's own reading of two RSTs. */
export function readsResetWindow(technique: Technique): boolean {
  const entry = TECHNIQUE_TABLE[technique];
  const read = (window: number) => entry.classify({ kind: 'tcp', flags: TCP_RST, window })?.state;
  return read(0) !== read(1);
}

/** Each flag letter's bit, from the protocol's own bits-to-letters spelling. */
const FLAG_BITS: ReadonlyMap<string, number> = new Map(Array.from({ length: 8 }, (_, bit) => [tcpFlagLetters(1 << bit), 1 << bit]));

/** A captured answer as the engine would have handed it to the table; undefined for a packet that cannot be one. */
function answerOf(p: ExchangePacket, target: string): Answer | undefined {
  switch (p.kind) {
    case 'tcp':
      return {
        kind: 'tcp',
        flags: [...(p.flags ?? '')].reduce((bits, letter) => bits | (FLAG_BITS.get(letter) ?? 0), 0),
        // an exchange recorded before windows were kept reads as Linux's every RST: window 0
        window: p.window ?? 0,
      };
    case 'udp':
      return { kind: 'udp' };
    case 'icmp':
      return p.icmpType === undefined || p.icmpCode === undefined
        ? undefined
        : { kind: 'icmp', ipVersion: p.ipVersion ?? 4, type: p.icmpType, code: p.icmpCode, fromTarget: p.src === target };
  }
}
