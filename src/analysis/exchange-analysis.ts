import { type AnalyzedTechnique, type ExchangePacket, type Protocol, type Technique } from '../protocol';
import type { TextbookColumn } from '../technique';
import { toExchangePacket } from './capture';
import { breaksTextbook, findDeviations, type Deviation } from './deviations';
import type { GroupedExchange } from './exchange-grouping';
import { kernelPackets } from './kernel-packets';
import type { LateAnswer } from './late-answers';
import { probeTries } from './probe-tries';
import { isSocketSyn, recogniseTechnique } from './technique-recognition';
import { classifyWire, type WireClassification } from './textbook';
import { agreesWithTextbook, verdictKindOf, type VerdictKind } from './verdict';

/** One scan exchange of a capture: what technique it is, what the table makes of it, and how it differs from the textbook. */
export interface AnalyzedExchange {
  technique: AnalyzedTechnique;
  scanner: string;
  target: string;
  port: number;
  protocol: Protocol;
  /** the table's reading of the packets the scanner could have seen (late answers left out); undefined for an unknown technique */
  wire?: WireClassification;
  /** the textbook cell checked against: the row of the technique, the column of the state it found */
  column?: TextbookColumn;
  /** how the exchange compares with that cell (see judgeExchange) */
  verdict?: VerdictKind;
  /** every packet, with its frame number; `kernel` marks the scanner kernel's */
  packets: ExchangePacket[];
  deviations: Deviation[];
  matchesTextbook: boolean;
  /** when each try of the probe went out, µs since the epoch */
  triesMicros: number[];
}

/** The techniques that open with a SYN: only how the scanner goes on tells them apart, and not on every port. */
const HANDSHAKE = new Set<AnalyzedTechnique>(['connect', 'syn']);

/**
 * Recognises, classifies and checks one grouped exchange; times in its packets count from `startMicros`.
 * `known`: the technique the capture's maker says it is, which settles connect or SYN for a SYN probe.
 */
export function analyzeExchange(exchange: GroupedExchange, late: LateAnswer | undefined, startMicros: number, known?: Technique): AnalyzedExchange {
  const socketSyn = isSocketSyn(exchange);
  const kernel = kernelPackets(exchange, socketSyn);
  const recognition = recogniseTechnique(exchange, kernel, socketSyn);
  const tries = probeTries(exchange);
  const firstOfTry = new Map(tries.map((t, i) => [t[0]!, i]));
  const packets = exchange.packets.map((p) =>
    toExchangePacket(p.packet.decoded!, {
      dir: p.dir,
      tMs: Math.max(0, (p.packet.tMicros - startMicros) / 1000),
      frame: p.packet.frame,
      retry: firstOfTry.get(p),
      kernel: kernel.has(p),
    }),
  );
  const technique = known && HANDSHAKE.has(known) && HANDSHAKE.has(recognition.technique) ? known : recognition.technique;
  const { scanner, target, port, protocol } = exchange;
  const analyzed = { technique, scanner, target, port, protocol, packets, triesMicros: tries.map((t) => t[0]!.packet.tMicros) };
  if (technique === 'unknown') {
    return { ...analyzed, deviations: findDeviations({ exchange, recognition, kernel, tries }), matchesTextbook: false };
  }
  const lateFrames = new Set(late?.packets.map((p) => p.packet.frame));
  const seen = packets.filter((p) => !lateFrames.has(p.frame!));
  const wire = classifyWire(technique, target, seen);
  const withLate = late ? classifyWire(technique, target, packets) : wire;
  const deviations = findDeviations({ exchange, recognition, kernel, tries, late, wire, withLate });
  if (!wire) return { ...analyzed, deviations, matchesTextbook: false };
  const verdict = verdictKindOf(technique, seen, wire, wire.state);
  const matchesTextbook = agreesWithTextbook(verdict) && !deviations.some(breaksTextbook);
  return { ...analyzed, wire, column: wire.state, verdict, deviations, matchesTextbook };
}
