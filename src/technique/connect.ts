import {
  ICMP_CODE_FRAG_NEEDED,
  ICMP_DEST_UNREACH,
  ICMP_PARAMETER_PROBLEM,
  ICMP_TIME_EXCEEDED,
  ICMPV6_DEST_UNREACH,
  ICMPV6_PACKET_TOO_BIG,
  ICMPV6_TIME_EXCEEDED,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
} from '../wire';
import type { ConnectOutcome } from '../protocol';
import { handshakeTextbook } from './handshake-textbook';
import type { Answer, ConnectTechnique, PortVerdict } from './types';

/**
 * The errno Linux hands a socket for each ICMP destination-unreachable code 0-15 (net/ipv4/icmp.c,
 * icmp_err_convert). connect() never sees the ICMP packet, only this error.
 */
const ICMP_ERR_CONVERT: readonly string[] = [
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENOPROTOOPT',
  'ECONNREFUSED',
  'EMSGSIZE',
  'EOPNOTSUPP',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENONET',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
];

/**
 * The error a connect() in progress fails with when an ICMP error quoting its SYN arrives (Linux
 * tcp_v4_err); undefined when the call keeps waiting: fragmentation-needed only lowers the path MTU,
 * and codes above 15 and other types are ignored.
 */
export function connectErrnoForIcmp(type: number, code: number): string | undefined {
  if (type === ICMP_TIME_EXCEEDED) return 'EHOSTUNREACH';
  if (type === ICMP_PARAMETER_PROBLEM) return 'EPROTO';
  if (type !== ICMP_DEST_UNREACH || code === ICMP_CODE_FRAG_NEEDED) return undefined;
  return ICMP_ERR_CONVERT[code];
}

/** The same for ICMPv6 destination-unreachable codes 0-6 (net/ipv6/icmp.c, icmpv6_err_convert's tab_unreach). */
const ICMPV6_ERR_CONVERT: readonly string[] = ['ENETUNREACH', 'EACCES', 'EHOSTUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'EACCES', 'EACCES'];

/**
 * The error a connect() in progress fails with when an ICMPv6 error quoting its SYN arrives (Linux
 * tcp_v6_err, icmpv6_err_convert): a SYN-SENT socket fails with any error but packet too big, which only
 * lowers the path MTU; time exceeded is EHOSTUNREACH, any other error EPROTO.
 */
export function connectErrnoForIcmpv6(type: number, code: number): string | undefined {
  if (type === ICMPV6_PACKET_TOO_BIG) return undefined;
  if (type === ICMPV6_DEST_UNREACH) return ICMPV6_ERR_CONVERT[code] ?? 'EPROTO';
  return type === ICMPV6_TIME_EXCEEDED ? 'EHOSTUNREACH' : 'EPROTO';
}

/** What a connect() attempt's end means for the port; undefined for an outcome that decides nothing (a timeout: retry). */
function classifyOutcome(outcome: ConnectOutcome): PortVerdict | undefined {
  switch (outcome) {
    case 'connected':
      return { state: 'open', reason: 'syn-ack' };
    case 'ECONNREFUSED':
      return { state: 'closed', reason: 'conn-refused' };
    case 'EHOSTUNREACH':
      return { state: 'filtered', reason: 'host-unreach' };
    case 'ENETUNREACH':
      return { state: 'filtered', reason: 'net-unreach' };
    case 'EACCES':
    case 'EPERM':
      return { state: 'filtered', reason: 'admin-prohibited' };
    default:
      return undefined;
  }
}

/** How Linux ends a connect() in progress when `answer` reaches its socket; undefined while it keeps waiting. */
function outcomeOf(answer: Answer): ConnectOutcome | undefined {
  if (answer.kind === 'icmp') return (answer.ipVersion === 6 ? connectErrnoForIcmpv6 : connectErrnoForIcmp)(answer.type, answer.code);
  if (answer.kind !== 'tcp') return undefined;
  // In SYN-SENT a reset counts only when it acknowledges the SYN (RFC 793 p. 67, tcp_rcv_synsent_state_process).
  if (answer.flags & TCP_RST) return answer.flags & TCP_ACK ? 'ECONNREFUSED' : undefined;
  return (answer.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) ? 'connected' : undefined;
}

/**
 * Connect scan (-sT): the OS does the handshake. The kernel reports ICMP admin-prohibited as
 * EHOSTUNREACH too, so like nmap this technique cannot tell it from host-unreachable.
 */
export const connect: ConnectTechnique = {
  name: 'connect',
  displayName: 'Connect',
  nmapFlag: 'T',
  nmapScanType: 'connect',
  protocol: 'tcp',
  probe: { flags: TCP_SYN },
  classifyOutcome,
  outcomeOf,
  classify(answer: Answer): PortVerdict | undefined {
    const outcome = outcomeOf(answer);
    return outcome === undefined ? undefined : classifyOutcome(outcome);
  },
  noResponse: { state: 'filtered', reason: 'no-response' },
  defaultRetries: 1,
  textbook: handshakeTextbook((w) => `S → SA → A, ${w.teardown}`),
};

/**
 * The destination-unreachable codes (ICMP type 3, or ICMPv6 type 1 for `ipVersion` 6) whose errno decides a
 * connect scan's port, grouped by that errno in code order.
 */
export function connectUnreachableVerdicts(ipVersion: 4 | 6 = 4): { errno: string; codes: number[]; verdict: PortVerdict }[] {
  const groups = new Map<string, { errno: string; codes: number[]; verdict: PortVerdict }>();
  (ipVersion === 6 ? ICMPV6_ERR_CONVERT : ICMP_ERR_CONVERT).forEach((_, code) => {
    const errno = ipVersion === 6 ? connectErrnoForIcmpv6(ICMPV6_DEST_UNREACH, code) : connectErrnoForIcmp(ICMP_DEST_UNREACH, code);
    const verdict = errno === undefined ? undefined : classifyOutcome(errno);
    if (!errno || !verdict) return;
    const group = groups.get(errno) ?? { errno, codes: [], verdict };
    group.codes.push(code);
    groups.set(errno, group);
  });
  return [...groups.values()];
}
