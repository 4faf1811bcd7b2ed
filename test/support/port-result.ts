import type { PortResult, PortState } from '../../src/protocol';

/** A SYN result with no exchange: what folding and sorting tests need of a port. */
export function synResult(target: string, port: number, state: PortState, reason: string): PortResult {
  return { technique: 'syn', target, port, protocol: 'tcp', state, reason: reason as PortResult['reason'], exchange: [] };
}
