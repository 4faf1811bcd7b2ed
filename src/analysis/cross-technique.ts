import { TCP_ACK, TCP_RST, TCP_SYN } from '../wire';
import { tcpFlagLetters, TECHNIQUES, type CrossTechniqueKind, type ExchangePacket, type PortState, type Reason, type Technique } from '../protocol';
import { TECHNIQUE_TABLE, type TextbookColumn } from '../technique';
import type { AnalyzedExchange } from './exchange-analysis';
import { ICMP_TOKEN_MICROS, icmpTokensAt, type IcmpErrorSent } from './icmp-rate-limit';
import { groupBy } from '../base/group-by';

/** A frame of one of the captures analysed together. */
export interface FrameRef {
  source: number;
  frame: number;
}

/** What one technique saw of the port. */
export interface CrossSide {
  technique: Technique;
  state: PortState;
  reason: Reason;
  /** what came back that decided it: nothing, a segment, a datagram or an ICMP error */
  answer: 'none' | ExchangePacket['kind'];
  /** the TCP window of that answer, when it was a segment */
  window?: number;
  /** the exchange's packets */
  frames: FrameRef[];
}

/** Two techniques that disagree about one port, and what explains it. */
export interface CrossFinding {
  target: string;
  port: number;
  kind: CrossTechniqueKind;
  /** in the order of the technique table */
  sides: [CrossSide, CrossSide];
  /** rate-limit: the ICMP errors the target had sent the scanner in the token interval (a second) before the silent probe */
  recentIcmpErrors?: FrameRef[];
}

/** The exchanges and ICMP errors of one capture; its index among those analysed together is its frames' `source`. */
export interface CrossInput {
  exchanges: readonly AnalyzedExchange[];
  icmpErrors: readonly IcmpErrorSent[];
}

type SourcedIcmpError = IcmpErrorSent & FrameRef;

const COLUMNS: readonly TextbookColumn[] = ['open', 'closed', 'filtered'];

interface Seen {
  source: number;
  exchange: AnalyzedExchange & { technique: Technique };
}

/**
 * Where two techniques' exchanges with the same port cannot both be what the textbook says of one
 * port state — no textbook column allows both states — or where one got an ICMP error and the other
 * silence, which the textbook's filtered column allows for both but no single firewall rule gives: the
 * kind of finding names what explains it. Only the technique table says which states a column allows.
 */
export function crossTechniqueFindings(inputs: readonly CrossInput[]): CrossFinding[] {
  const icmpErrors = inputs.flatMap((input, source) => input.icmpErrors.map((e) => ({ ...e, source }))).sort((a, b) => a.tMicros - b.tMicros);
  const seenAll = inputs.flatMap((input, source) =>
    input.exchanges.filter((e) => e.technique !== 'unknown' && e.wire).map((exchange): Seen => ({ source, exchange: exchange as Seen['exchange'] })),
  );
  const byPort = groupBy(seenAll, ({ exchange }) => `${exchange.protocol} ${exchange.target} ${exchange.port}`);
  const findings = new Map<string, CrossFinding>();
  for (const seen of byPort.values()) {
    const ordered = [...seen].sort((a, b) => TECHNIQUES.indexOf(a.exchange.technique) - TECHNIQUES.indexOf(b.exchange.technique));
    for (const [i, a] of ordered.entries()) {
      for (const b of ordered.slice(i + 1)) {
        if (a.exchange.technique === b.exchange.technique) continue;
        const kind = explain(a, b, icmpErrors);
        if (!kind) continue;
        const key = `${a.exchange.target} ${a.exchange.port} ${a.exchange.technique} ${b.exchange.technique} ${kind}`;
        const finding = findings.get(key) ?? { target: a.exchange.target, port: a.exchange.port, kind, sides: [side(a), side(b)] };
        if (findings.has(key)) mergeFrames(finding, a, b);
        if (kind === 'rate-limit') finding.recentIcmpErrors = recentErrors(silentOf(a, b)!, icmpErrors);
        findings.set(key, finding);
      }
    }
  }
  const order = (f: CrossFinding) => f.sides.map((s) => TECHNIQUES.indexOf(s.technique));
  return [...findings.values()].sort(
    (x, y) => x.target.localeCompare(y.target) || x.port - y.port || order(x)[0]! - order(y)[0]! || order(x)[1]! - order(y)[1]!,
  );
}

function side({ source, exchange }: Seen): CrossSide {
  const { state, reason, answer } = exchange.wire!;
  return {
    technique: exchange.technique,
    state,
    reason,
    answer: answer?.kind ?? 'none',
    ...(answer?.window === undefined ? {} : { window: answer.window }),
    frames: exchange.packets.map((p) => ({ source, frame: p.frame! })),
  };
}

function mergeFrames(finding: CrossFinding, a: Seen, b: Seen): void {
  for (const [i, seen] of [a, b].entries()) {
    const known = new Set(finding.sides[i]!.frames.map((f) => `${f.source} ${f.frame}`));
    finding.sides[i]!.frames.push(...side(seen).frames.filter((f) => !known.has(`${f.source} ${f.frame}`)));
  }
}

function explain(a: Seen, b: Seen, icmpErrors: readonly SourcedIcmpError[]): CrossTechniqueKind | undefined {
  const silent = silentOf(a, b);
  const icmp = [a, b].find((s) => s.exchange.wire!.answer?.kind === 'icmp');
  // One probe rejected, the other ignored: the target's ICMP errors were used up, or its rule matches one kind of segment.
  if (silent && icmp) return rateLimited(silent, icmpErrors) ? 'rate-limit' : 'reject-rule';
  if (columnsOf(a).some((c) => columnsOf(b).includes(c))) return undefined;
  if (icmp) return 'reject-rule';
  const reset = [a, b].find(answeredWithReset);
  if (reset && silent) {
    const silentSyn = probeHasSyn(silent);
    // A listening port drops FIN, NULL and Xmas but resets a segment with ACK (RFC 793): both answers are an open port's.
    if (!silentSyn && !probeHasSyn(reset) && probeHas(reset, TCP_ACK) && !probeHas(silent, TCP_ACK)) return 'rst-on-open';
    if (silentSyn === probeHasSyn(reset)) return 'answers-changed';
    // A SYN that got no answer while another probe got the closed port's RST: only connection attempts are filtered.
    return silentSyn ? 'syn-only-filter' : 'stateful-firewall';
  }
  const other = reset && (reset === a ? b : a);
  if (reset && other!.exchange.wire!.state === 'open' && !probeHasSyn(reset)) return 'rst-on-open';
  return 'answers-changed';
}

function silentOf(a: Seen, b: Seen): Seen | undefined {
  return [a, b].find((s) => s.exchange.wire!.answer === undefined);
}

/** The textbook columns (the port states a lab can make) whose cell allows this exchange's state. */
function columnsOf({ exchange }: Seen): TextbookColumn[] {
  return COLUMNS.filter((c) => TECHNIQUE_TABLE[exchange.technique].textbook[c].allows.includes(exchange.wire!.state));
}

function answeredWithReset({ exchange }: Seen): boolean {
  const answer = exchange.wire!.answer;
  return answer?.kind === 'tcp' && (answer.flags ?? '').includes(tcpFlagLetters(TCP_RST));
}

function probeHasSyn(seen: Seen): boolean {
  return probeHas(seen, TCP_SYN);
}

function probeHas({ exchange }: Seen, flag: number): boolean {
  const entry = TECHNIQUE_TABLE[exchange.technique];
  return entry.protocol === 'tcp' && (entry.probe.flags & flag) !== 0;
}

/** Every try of the silent probe came when the target had no ICMP error left to send its scanner. */
function rateLimited({ exchange }: Seen, icmpErrors: readonly SourcedIcmpError[]): boolean {
  return exchange.triesMicros.every((t) => icmpTokensAt(icmpErrors, exchange.target, exchange.scanner, t) < 1);
}

function recentErrors({ exchange }: Seen, icmpErrors: readonly SourcedIcmpError[]): FrameRef[] {
  const last = exchange.triesMicros.at(-1)!;
  return icmpErrors
    .filter((e) => e.from === exchange.target && e.to === exchange.scanner && e.tMicros <= last && last - e.tMicros < ICMP_TOKEN_MICROS)
    .map(({ source, frame }) => ({ source, frame }));
}
