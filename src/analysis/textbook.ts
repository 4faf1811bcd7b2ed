import { tcpFlagLetters, type ExchangePacket, type LabTruth, type PortState, type Reason, type Technique } from '../protocol';
import { TECHNIQUE_TABLE, type Answer, type TextbookColumn } from '../technique';

export function columnOfTruth(truth: LabTruth): TextbookColumn {
  return truth === 'open' || truth === 'closed' ? truth : 'filtered';
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
  const probesBefore = (i: number) => exchange.slice(0, i).filter((p) => p.dir === 'out' && p.retry !== undefined).length;
  for (let i = 0; i < exchange.length; i++) {
    const p = exchange[i]!;
    if (p.dir !== 'in') continue;
    const answer = answerOf(p, target);
    const decided = answer && entry.classify(answer);
    if (decided) return { ...decided, answer: p, probes: probesBefore(i) };
  }
  const probes = probesBefore(exchange.length);
  if (probes === 0) return undefined;
  return { ...entry.noResponse, probes };
}

/** Each flag letter's bit, from the protocol's own bits-to-letters spelling. */
const FLAG_BITS: ReadonlyMap<string, number> = new Map(Array.from({ length: 8 }, (_, bit) => [tcpFlagLetters(1 << bit), 1 << bit]));

/** A captured answer as the engine would have handed it to the table; undefined for a packet that cannot be one. */
function answerOf(p: ExchangePacket, target: string): Answer | undefined {
  switch (p.kind) {
    case 'tcp':
      return { kind: 'tcp', flags: [...(p.flags ?? '')].reduce((bits, letter) => bits | (FLAG_BITS.get(letter) ?? 0), 0) };
    case 'udp':
      return { kind: 'udp' };
    case 'icmp':
      return p.icmpType === undefined || p.icmpCode === undefined
        ? undefined
        : { kind: 'icmp', type: p.icmpType, code: p.icmpCode, fromTarget: p.src === target };
  }
}
