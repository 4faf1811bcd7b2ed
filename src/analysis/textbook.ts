import { icmpErrorReason, ICMP_TYPE_DEST_UNREACH, type ExchangePacket, type LabTruth, type PortState, type Reason, type Technique } from '../protocol';

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

/** The error Linux hands connect() for each ICMP unreachable code (net/ipv4/icmp.c icmp_err_convert). */
const CONNECT_ERRNO: Record<number, string> = {
  0: 'ENETUNREACH',
  1: 'EHOSTUNREACH',
  2: 'ENOPROTOOPT',
  3: 'ECONNREFUSED',
  4: 'EMSGSIZE',
  5: 'EOPNOTSUPP',
  6: 'ENETUNREACH',
  7: 'EHOSTDOWN',
  8: 'ENONET',
  9: 'ENETUNREACH',
  10: 'EHOSTUNREACH',
  11: 'ENETUNREACH',
  12: 'EHOSTUNREACH',
  13: 'EHOSTUNREACH',
};

export function connectErrnoForIcmp(code: number): string | undefined {
  return CONNECT_ERRNO[code];
}

/** What a connect scan reports for each ICMP unreachable code, through the error connect() gets: it never sees the code itself. */
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
export function classifyWire(technique: Technique, target: string, exchange: readonly ExchangePacket[]): WireClassification | undefined {
  const probesBefore = (i: number) => exchange.slice(0, i).filter((p) => p.dir === 'out' && p.retry !== undefined).length;
  for (let i = 0; i < exchange.length; i++) {
    const p = exchange[i]!;
    if (p.dir !== 'in') continue;
    const decided = classifyAnswer(technique, target, p);
    if (decided) return { ...decided, answer: p, probes: probesBefore(i) };
  }
  const probes = probesBefore(exchange.length);
  if (probes === 0) return undefined;
  const silentState: PortState = technique === 'connect' || technique === 'syn' ? 'filtered' : 'open|filtered';
  return { state: silentState, reason: 'no-response', probes };
}

function classifyAnswer(technique: Technique, target: string, p: ExchangePacket): { state: PortState; reason: Reason } | undefined {
  if (p.kind === 'icmp') {
    if (p.icmpType === undefined || p.icmpCode === undefined) return undefined;
    if (technique === 'connect') return p.icmpType === ICMP_TYPE_DEST_UNREACH ? connectReasonForIcmp(p.icmpCode) : undefined;
    const reason = icmpErrorReason(p.icmpType, p.icmpCode);
    if (!reason) return undefined;
    // port-unreach closes a UDP port only when the target itself says it; from a router, or for TCP, it filters
    if (technique === 'udp' && reason === 'port-unreach' && p.src === target) return { state: 'closed', reason };
    return { state: 'filtered', reason };
  }
  if (p.kind === 'udp') return technique === 'udp' ? { state: 'open', reason: 'udp-response' } : undefined;
  const flags = p.flags ?? '';
  if (flags.includes('R')) return { state: 'closed', reason: technique === 'connect' ? 'conn-refused' : 'reset' };
  if ((technique === 'connect' || technique === 'syn') && flags.includes('S') && flags.includes('A')) return { state: 'open', reason: 'syn-ack' };
  if (technique === 'syn' && flags.includes('S')) return { state: 'open', reason: 'split-handshake-syn' };
  return undefined;
}
