import { TCP_RST } from '../wire';
import { tcpFlagLetters, type BarePortResult, type ExchangePacket, type LabTruth, type Technique } from '../protocol';
import { TECHNIQUE_TABLE, type TextbookColumn } from '../technique';
import { labAnswer } from '../technique/lab-answer';
import { classifyWire, type WireClassification } from './textbook';

function isReset(p: ExchangePacket | undefined): boolean {
  return p?.kind === 'tcp' && (p.flags ?? '').includes(tcpFlagLetters(TCP_RST));
}

/** Exchanges that agree with the textbook, some with a word of explanation. */
const AGREEING_KINDS = [
  'textbook',
  'kernel-reset',
  'kernel-port-unreachable',
  'connect-teardown',
  'retries-then-silence',
  'icmp-reject',
  'silence-open-filtered',
] as const;

/** How a captured exchange compares with the textbook: the agreeing kinds, then those the report's analysis explains. */
export const VERDICT_KINDS = [
  ...AGREEING_KINDS,
  'answered-after-retries',
  'silent-rate-limited',
  'silent-closed-port',
  'reset-on-open',
  'unexpected',
  'not-captured',
] as const;
export type VerdictKind = (typeof VERDICT_KINDS)[number];

const AGREEING: ReadonlySet<VerdictKind> = new Set(AGREEING_KINDS);

export function agreesWithTextbook(kind: VerdictKind): boolean {
  return AGREEING.has(kind);
}

export interface TextbookVerdict {
  kind: VerdictKind;
  /** the state and reason the captured packets give by nmap's rules; absent when nothing was captured */
  wire?: WireClassification;
  /** the capture gives another state or reason than results.json */
  disagreesWithResult: boolean;
}

/**
 * Compares one port's captured exchange with the textbook cell `column` (the lab's truth for the
 * port, or the reported state when the truth is unknown). The lab's truth also tells a dropping
 * firewall from a rejecting one, which the textbook's filtered column lumps together.
 */
export function judgeExchange(
  result: BarePortResult,
  exchange: readonly ExchangePacket[] | undefined,
  column: TextbookColumn,
  truth?: LabTruth,
): TextbookVerdict {
  const technique = result.technique;
  const wire = exchange ? classifyWire(technique, result.target, exchange) : undefined;
  if (!wire) return { kind: 'not-captured', disagreesWithResult: false };
  const disagreesWithResult = wire.state !== result.state || wire.reason !== result.reason;
  return { kind: verdictKindOf(technique, exchange!, wire, column, truth), wire, disagreesWithResult };
}

/** How an exchange the table already classified (`wire`) compares with the textbook cell `column`. */
export function verdictKindOf(
  technique: Technique,
  exchange: readonly ExchangePacket[],
  wire: WireClassification,
  column: TextbookColumn,
  truth?: LabTruth,
): VerdictKind {
  const silent = wire.answer === undefined;
  // ICMP errors, port-unreachable and the firewall's admin-prohibited alike, share the target's rate limit.
  if (silent && truth === 'filtered-reject') return 'silent-rate-limited';
  if (!silent && truth === 'filtered-drop' && wire.answer!.kind === 'icmp') return 'unexpected';
  const entry = TECHNIQUE_TABLE[technique];
  if (!entry.textbook[column].allows.includes(wire.state)) {
    if (silent && column === 'closed') {
      // A closed port that owed an ICMP error was kept silent by the target's ICMP rate limit; one that owed
      // a RST, where silence reads open|filtered, withheld it.
      if (labAnswer(technique, 'closed')?.kind === 'icmp') return 'silent-rate-limited';
      if (entry.noResponse.state === 'open|filtered') return 'silent-closed-port';
    }
    // An open port's RST, which the table reads as closed: its window was 0 (Window), or the stack resets
    // what RFC 793 has it reset (Maimon's FIN/ACK on Linux), or ignores RFC 793 (FIN, NULL, Xmas on Windows).
    if (column === 'open' && wire.state === 'closed' && isReset(wire.answer)) return 'reset-on-open';
    return 'unexpected';
  }
  if (silent) {
    if (column === 'filtered') return wire.probes > 1 ? 'retries-then-silence' : 'textbook';
    return 'silence-open-filtered';
  }
  if (wire.probes > 1) return 'answered-after-retries';
  if (wire.answer!.kind === 'icmp' && wire.state === 'filtered') return 'icmp-reject';
  if (wire.state === 'open' && technique === 'connect') return 'connect-teardown';
  if (wire.state === 'open' && technique === 'udp' && exchange.some((p) => p.kernel && p.kind === 'icmp')) return 'kernel-port-unreachable';
  if (wire.state === 'open' && technique === 'syn') {
    const after = exchange.slice(exchange.indexOf(wire.answer!) + 1);
    if (after.some((p) => p.dir === 'out' && p.kernel && p.flags === 'R')) return 'kernel-reset';
  }
  return 'textbook';
}
