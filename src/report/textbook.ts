import type { ExchangePacket, LabTruth, PortState, Reason, Technique } from '../protocol';

/** The textbook table's columns (DESIGN.md "Textbook expectation"), plus nmap's open|filtered. */
export type TextbookColumn = 'open' | 'closed' | 'filtered' | 'open|filtered';

export function columnOfTruth(truth: LabTruth): TextbookColumn {
  return truth === 'open' || truth === 'closed' ? truth : 'filtered';
}

/** The state each textbook column allows a technique to report. */
export function statesAllowed(technique: Technique, column: TextbookColumn): PortState[] {
  const stealth = technique === 'fin' || technique === 'null' || technique === 'xmas';
  switch (column) {
    case 'open':
      if (stealth) return ['open|filtered'];
      return technique === 'udp' ? ['open', 'open|filtered'] : ['open'];
    case 'closed':
      return ['closed'];
    case 'filtered':
      return stealth || technique === 'udp' ? ['filtered', 'open|filtered'] : ['filtered'];
    case 'open|filtered':
      return ['open|filtered'];
  }
}

const ICMP_UNREACH_REASON: Record<number, Reason> = {
  0: 'net-unreach',
  1: 'host-unreach',
  2: 'proto-unreach',
  3: 'port-unreach',
  9: 'net-prohibited',
  10: 'host-prohibited',
  13: 'admin-prohibited',
};

/**
 * The error Linux hands connect() for each ICMP unreachable code (net/ipv4/icmp.c icmp_err_convert),
 * and so what a connect scan can report: it never sees the code itself.
 */
function connectReasonForIcmp(code: number): { state: PortState; reason: Reason } {
  if (code === 3) return { state: 'closed', reason: 'conn-refused' };
  if (code === 0 || code === 9 || code === 6 || code === 11) return { state: 'filtered', reason: 'net-unreach' };
  if (code === 2) return { state: 'filtered', reason: 'proto-unreach' };
  return { state: 'filtered', reason: 'host-unreach' };
}

export interface WireClassification {
  state: PortState;
  reason: Reason;
  /** the packet that decided the state, when one came back */
  answer?: ExchangePacket;
  /** probes sent before the deciding answer (or in all, when none came) */
  probes: number;
}

/** nmap's rules (DESIGN.md "Port states") applied to the packets on the wire: first answer decides. */
export function classifyWire(technique: Technique, exchange: readonly ExchangePacket[]): WireClassification | undefined {
  const probesBefore = (i: number) => exchange.slice(0, i).filter((p) => p.dir === 'out' && p.retry !== undefined).length;
  for (let i = 0; i < exchange.length; i++) {
    const p = exchange[i]!;
    if (p.dir !== 'in') continue;
    const decided = classifyAnswer(technique, p);
    if (decided) return { ...decided, answer: p, probes: probesBefore(i) };
  }
  const probes = probesBefore(exchange.length);
  if (probes === 0) return undefined;
  const silentState: PortState = technique === 'connect' || technique === 'syn' ? 'filtered' : 'open|filtered';
  return { state: silentState, reason: 'no-response', probes };
}

function classifyAnswer(technique: Technique, p: ExchangePacket): { state: PortState; reason: Reason } | undefined {
  if (p.kind === 'icmp') {
    if (p.icmpType !== 3 || p.icmpCode === undefined) return undefined;
    if (technique === 'connect') return connectReasonForIcmp(p.icmpCode);
    const reason = ICMP_UNREACH_REASON[p.icmpCode];
    if (!reason) return undefined;
    if (technique === 'udp' && p.icmpCode === 3) return { state: 'closed', reason };
    if (p.icmpCode === 3) return undefined;
    return { state: 'filtered', reason };
  }
  if (p.kind === 'udp') return technique === 'udp' ? { state: 'open', reason: 'udp-response' } : undefined;
  const flags = p.flags ?? '';
  if (flags.includes('R')) return { state: 'closed', reason: technique === 'connect' ? 'conn-refused' : 'reset' };
  if ((technique === 'connect' || technique === 'syn') && flags.includes('S') && flags.includes('A'))
    return { state: 'open', reason: 'syn-ack' };
  return undefined;
}
