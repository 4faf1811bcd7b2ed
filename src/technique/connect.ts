import type { ConnectOutcome } from '../protocol';
import type { Verdict } from './types';

/**
 * Connect scan (-sT): the OS does the handshake. The kernel reports ICMP admin-prohibited as
 * EHOSTUNREACH too, so like nmap this technique cannot tell it from host-unreachable.
 * Returns undefined for an outcome that decides nothing (a timeout: retry, then no-response).
 */
export function classifyConnect(outcome: ConnectOutcome): Verdict | undefined {
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

export const connectNoResponse: Verdict = { state: 'filtered', reason: 'no-response' };

/** Retransmissions of a timed-out connect() when the user gives no --max-retries. */
export const CONNECT_DEFAULT_RETRIES = 1;
