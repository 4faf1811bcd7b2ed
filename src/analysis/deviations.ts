import { TCP_ACK, TCP_RST } from '../wire';
import { tcpFlagLetters, type AnalyzedTechnique, type DeviationKind, type ExchangePacket, type PortState, type Reason, type Technique } from '../protocol';
import { TECHNIQUE_TABLE } from '../technique';
import type { GroupedExchange, PlacedPacket } from './exchange-grouping';
import type { LateAnswer } from './late-answers';
import type { Recognition } from './technique-recognition';
import { readsResetWindow, type WireClassification } from './textbook';

/**
 * One thing a captured exchange does that its textbook row does not show, with the packets that
 * show it and the facts its sentence is made of (the words are the report's, per language).
 */
export type Deviation =
  /** a connect attempt the scanner answered with `reply` (a RST) instead of the ACK; `reply` '' when it sent nothing */
  | { kind: 'handshake-not-completed'; frames: number[]; facts: { reply: string } }
  /** the deciding answer is an ICMP error (ICMPv6 with `ipVersion` 6), which a scanning program has to handle as well as TCP */
  | { kind: 'icmp-answer'; frames: number[]; facts: { icmpType: number; icmpCode: number; ipVersion?: 6; state: PortState; reason: Reason } }
  /** the probe went out `tries` times; `answeredAfterRetry`: the answer came only after a retry */
  | { kind: 'retransmission'; frames: number[]; facts: { tries: number; answeredAfterRetry: boolean } }
  /** the scanner's kernel reset the SYN/ACK (window 0, `delayMicros` after it) */
  | { kind: 'kernel-reset'; frames: number[]; facts: { synAckFrame: number; delayMicros: number } }
  /**
   * answers after the scanner gave up, or had its answer (`decidedByFrame`) and moved on; the state
   * they would have given when they decide it
   */
  | {
      kind: 'late-answer';
      frames: number[];
      facts: { delayMs: number; lastProbeFrame: number; movedOnFrame?: number; decidedByFrame?: number; state?: PortState; reason?: Reason };
    }
  /** a probe whose flags are no technique's; classified as `closest` */
  | { kind: 'odd-probe-flags'; frames: number[]; facts: { flags: string; closest: AnalyzedTechnique } }
  /** an empty datagram to a port whose service answers only a request (`requestBytes` long in PortLab's probe) */
  | { kind: 'empty-udp-probe'; frames: number[]; facts: { port: number; requestBytes: number } }
  /** the scanner's kernel answered the target's datagram with ICMP port-unreachable */
  | { kind: 'kernel-port-unreachable'; frames: number[]; facts: { answerFrame: number } }
  /**
   * a RST to a probe with ACK decided the port closed: RFC 793 has listening ports reset it too, so it
   * shows a closed port only on a stack that drops it there; `readsWindow`: the technique told closed
   * from open by the RST's `window` alone
   */
  | { kind: 'reset-to-ack'; frames: number[]; facts: { probe: string; answer: string; window: number; readsWindow: boolean; state: PortState } }
  /** another technique sends this very probe and reads the same packets otherwise (ACK and Window) */
  | { kind: 'same-probe'; frames: number[]; facts: { technique: Technique; state: PortState; reason: Reason; window?: number } };

/** Deviations that make an exchange differ from its textbook row; the others only explain a packet it leaves out. */
export function breaksTextbook(d: Deviation): boolean {
  if (d.kind === 'retransmission') return d.facts.answeredAfterRetry;
  // A late answer to a port already decided changes nothing the scanner saw.
  if (d.kind === 'late-answer') return d.facts.decidedByFrame === undefined;
  return !NOTES.has(d.kind);
}

// An empty probe met with silence is still the textbook's open|filtered: the note says an open service
// may hide behind it, which only the lab's truth (or a real request) can tell.
const NOTES = new Set<DeviationKind>(['icmp-answer', 'kernel-reset', 'kernel-port-unreachable', 'empty-udp-probe', 'reset-to-ack', 'same-probe']);

export interface DeviationInput {
  exchange: GroupedExchange;
  recognition: Recognition;
  kernel: ReadonlySet<PlacedPacket>;
  tries: PlacedPacket[][];
  late?: LateAnswer;
  /** the table's reading of the packets the scanner could have seen, and of all of them */
  wire?: WireClassification;
  withLate?: WireClassification;
  /** how the techniques that send the same probe read the same packets */
  sameProbe?: readonly { technique: Technique; wire: WireClassification }[];
}

const frameOf = (p: PlacedPacket) => p.packet.frame;

/** Every deviation of one exchange, in the order a student meets them on the wire. */
export function findDeviations(input: DeviationInput): Deviation[] {
  const { exchange, recognition, kernel, tries, late, wire, withLate, sameProbe = [] } = input;
  const probes = exchange.packets.filter((p) => p.probe);
  const deviations: Deviation[] = [];
  if (recognition.oddFlags) {
    deviations.push({
      kind: 'odd-probe-flags',
      frames: probes.map(frameOf),
      facts: { flags: tcpFlagLetters(exchange.probeFlags ?? 0), closest: recognition.technique },
    });
  }
  if (tries.length > 1) {
    deviations.push({
      kind: 'retransmission',
      frames: tries.slice(1).map((t) => frameOf(t[0]!)),
      facts: { tries: tries.length, answeredAfterRetry: wire?.answer !== undefined && wire.probes > 1 },
    });
  }
  const unfinished = recognition.unfinishedHandshake;
  if (unfinished) {
    const reply = unfinished.reply?.packet.decoded?.tcp;
    deviations.push({
      kind: 'handshake-not-completed',
      frames: [unfinished.synAck, ...(unfinished.reply ? [unfinished.reply] : [])].map(frameOf),
      facts: { reply: reply ? tcpFlagLetters(reply.flags) : '' },
    });
  }
  const answer = wire?.answer;
  if (answer?.kind === 'icmp' && answer.icmpType !== undefined && answer.icmpCode !== undefined && answer.frame !== undefined) {
    deviations.push({
      kind: 'icmp-answer',
      frames: [answer.frame],
      facts: {
        icmpType: answer.icmpType,
        icmpCode: answer.icmpCode,
        ...(answer.ipVersion === 6 ? { ipVersion: 6 as const } : {}),
        state: wire!.state,
        reason: wire!.reason,
      },
    });
  }
  for (const [i, p] of exchange.packets.entries()) {
    if (!kernel.has(p)) continue;
    const previous = exchange.packets[i - 1]!;
    if (p.packet.decoded?.tcp) {
      deviations.push({
        kind: 'kernel-reset',
        frames: [frameOf(p)],
        facts: { synAckFrame: frameOf(previous), delayMicros: p.packet.tMicros - previous.packet.tMicros },
      });
    } else {
      const quoted = exchange.packets
        .slice(0, i)
        .reverse()
        .find((q) => q.dir === 'in' && q.packet.decoded?.udp);
      deviations.push({ kind: 'kernel-port-unreachable', frames: [frameOf(p)], facts: { answerFrame: frameOf(quoted ?? previous) } });
    }
  }
  if (late) {
    const first = late.packets[0]!;
    const lateDecision = withLate?.answer && late.packets.some((p) => p.packet.frame === withLate.answer!.frame) ? withLate : undefined;
    deviations.push({
      kind: 'late-answer',
      frames: late.packets.map(frameOf),
      facts: {
        delayMs: Math.round((first.packet.tMicros - late.lastProbe.packet.tMicros) / 1000),
        lastProbeFrame: frameOf(late.lastProbe),
        ...(late.movedOn ? { movedOnFrame: frameOf(late.movedOn) } : {}),
        ...(wire?.answer?.frame !== undefined ? { decidedByFrame: wire.answer.frame } : {}),
        ...(lateDecision ? { state: lateDecision.state, reason: lateDecision.reason } : {}),
      },
    });
  }
  const resetToAck = answer && wire && recognition.technique !== 'unknown' ? resetToAckFacts(recognition.technique, exchange, answer, wire) : undefined;
  if (resetToAck) deviations.push({ kind: 'reset-to-ack', frames: [answer!.frame!], facts: resetToAck });
  for (const other of sameProbe) {
    if (other.wire.state === wire?.state) continue;
    const window = other.wire.answer?.window;
    deviations.push({
      kind: 'same-probe',
      frames: other.wire.answer?.frame === undefined ? [] : [other.wire.answer.frame],
      facts: { technique: other.technique, state: other.wire.state, reason: other.wire.reason, ...(window === undefined ? {} : { window }) },
    });
  }
  const udp = TECHNIQUE_TABLE.udp;
  if (exchange.protocol === 'udp' && udp.protocol === 'udp' && wire && wire.answer === undefined) {
    const requestBytes = udp.probe.payloadFor(exchange.port).length;
    if (requestBytes > 0 && probes.every((p) => p.packet.decoded?.udp?.payload.length === 0)) {
      deviations.push({ kind: 'empty-udp-probe', frames: probes.map(frameOf), facts: { port: exchange.port, requestBytes } });
    }
  }
  return deviations;
}

/**
 * The facts of a `reset-to-ack` note: the answer is a RST to a probe that carries ACK, and it made the
 * port closed. Undefined for any other exchange.
 */
function resetToAckFacts(
  technique: Technique,
  exchange: GroupedExchange,
  answer: ExchangePacket,
  wire: WireClassification,
): Extract<Deviation, { kind: 'reset-to-ack' }>['facts'] | undefined {
  const probe = exchange.probeFlags;
  if (probe === undefined || !(probe & TCP_ACK) || answer.kind !== 'tcp' || answer.frame === undefined || wire.state !== 'closed') return undefined;
  const reset = tcpFlagLetters(TCP_RST);
  if (!(answer.flags ?? '').includes(reset)) return undefined;
  return {
    probe: tcpFlagLetters(probe),
    answer: answer.flags ?? reset,
    window: answer.window ?? 0,
    readsWindow: readsResetWindow(technique),
    state: wire.state,
  };
}
