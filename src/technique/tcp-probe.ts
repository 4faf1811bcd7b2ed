import { buildTcpPacket, TCP_FIN, TCP_SYN, TcpProbeTemplate, type TcpOption } from '../wire';
import type { ProbeFields, TcpProbeBase } from './types';

/** nmap's probe window; any value works, a small one keeps the probe unremarkable. */
const PROBE_WINDOW = 1024;

export function buildTcpProbe(fields: ProbeFields, flags: number, options: readonly TcpOption[] = []): Uint8Array {
  return buildTcpPacket({ ...fields, ack: 0, flags, window: PROBE_WINDOW, options });
}

/** The same probe as buildTcpProbe, as an Ethernet frame patched in place per port and try. */
export function tcpProbeTemplate(base: TcpProbeBase, flags: number, options: readonly TcpOption[] = []): TcpProbeTemplate {
  return new TcpProbeTemplate({ ...base, ack: 0, flags, window: PROBE_WINDOW, options });
}

/** SYN and FIN each take one sequence number, so the peer acknowledges seq + 1 for them. */
export function ackFor(seq: number, flags: number): number {
  return (seq + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0)) >>> 0;
}
