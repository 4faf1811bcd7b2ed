import { buildTcpPacket, TCP_FIN, TCP_SYN, TcpProbeTemplate } from '../wire';
import { tcpFlagLetters } from '../protocol';
import type { ProbeFields, RawTechnique, TcpProbe, TcpProbeBase } from './types';

/** nmap's probe window; any value works, a small one keeps the probe unremarkable. */
const PROBE_WINDOW = 1024;

/** SYN and FIN each take one sequence number, so the peer acknowledges seq + 1 for them. */
function ackFor(seq: number, flags: number): number {
  return (seq + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0)) >>> 0;
}

/** How a raw TCP technique sends `probe`: built once per port, or as an Ethernet frame patched in place per port and try. */
export function tcpProbeSender({ flags, options = [] }: TcpProbe): Pick<RawTechnique, 'buildProbe' | 'probeTemplate' | 'expectedAck'> {
  return {
    buildProbe: (fields: ProbeFields) => buildTcpPacket({ ...fields, ack: 0, flags, window: PROBE_WINDOW, options }),
    probeTemplate: (base: TcpProbeBase) => new TcpProbeTemplate({ ...base, ack: 0, flags, window: PROBE_WINDOW, options }),
    expectedAck: (seq: number) => ackFor(seq, flags),
  };
}

/** A probe in the textbook's arrow notation: its flag letters, "NULL" for none. */
export function probeLabel({ flags }: TcpProbe): string {
  return tcpFlagLetters(flags) || 'NULL';
}
