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

/**
 * Techniques whose probes look alike on the wire: connect and SYN open with a SYN and only how the
 * scanner goes on tells them apart, not on every port; the ACK and Window scans send the same ACK.
 */
const SAME_PROBE: readonly ReadonlySet<AnalyzedTechnique>[] = [new Set(['connect', 'syn']), new Set(['ack', 'window'])];

/**
 * Recognises, classifies and checks one grouped exchange; times in its packets count from `startMicros`.
 * `known`: the technique the capture's maker says it is, which settles connect or SYN for a SYN probe
 * and ACK or Window for an ACK probe.
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
  const technique = known && SAME_PROBE.some((g) => g.has(known) && g.has(recognition.technique)) ? known : recognition.technique;
  const { scanner, target, port, protocol } = exchange;
  const triesMicros = tries.map((t) => t[0]!.packet.tMicros);
  // Results written out as literals rather than spread from a common part: a spread object took ~500 bytes more,
  // once per port of a capture.
  const unjudged = (deviations: Deviation[]): AnalyzedExchange => ({
    technique,
    scanner,
    target,
    port,
    protocol,
    packets,
    triesMicros,
    deviations,
    matchesTextbook: false,
  });
  if (technique === 'unknown') return unjudged(findDeviations({ exchange, recognition, kernel, tries }));
  const lateFrames = new Set(late?.packets.map((p) => p.packet.frame));
  const seen = packets.filter((p) => !lateFrames.has(p.frame!));
  const wire = classifyWire(technique, target, seen);
  const withLate = late ? classifyWire(technique, target, packets) : wire;
  // Only the capture alone leaves the technique in doubt: once its maker has named it, the other reading is no news.
  const sameProbe = known ? [] : sameProbeReadings(technique, target, seen);
  // The maker's word settles the technique the notes speak of too (Window, not ACK).
  const deviations = findDeviations({ exchange, recognition: { ...recognition, technique }, kernel, tries, late, wire, withLate, sameProbe });
  if (!wire) return unjudged(deviations);
  const verdict = verdictKindOf(technique, seen, wire, wire.state);
  const matchesTextbook = agreesWithTextbook(verdict) && !deviations.some(breaksTextbook);
  return { technique, scanner, target, port, protocol, packets, triesMicros, wire, column: wire.state, verdict, deviations, matchesTextbook };
}

/** How each other technique that sends this exchange's probe reads its packets. */
function sameProbeReadings(technique: Technique, target: string, seen: readonly ExchangePacket[]): { technique: Technique; wire: WireClassification }[] {
  const group = SAME_PROBE.find((g) => g.has(technique));
  const others = [...(group ?? [])].filter((t): t is Technique => t !== technique && t !== 'unknown');
  return others.flatMap((other) => {
    const wire = classifyWire(other, target, seen);
    return wire ? [{ technique: other, wire }] : [];
  });
}
