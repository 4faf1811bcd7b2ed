import { tcpFlagLetters, type ExchangePacket } from '../protocol';
import { TECHNIQUE_TABLE } from '../technique';
import { ipView, TCP_RST } from '../wire';
import { decodeLinkFrame } from '../wire/link-frame';
import type { CaptureContents } from '../wire/pcap';
import { portKey, type CaptureIndex } from './capture';

/** The SYNs of one round, between the zombie readings before and after them. */
interface Round {
  before: ExchangePacket[];
  syns: Map<string, ExchangePacket>;
  after: ExchangePacket[];
}

/**
 * Rebuilds each port's idle exchange from an idle scan's capture, as the scan itself lists it
 * (src/engine/idle/idle-book.ts) but from the wire alone: a round is a run of SYNs to the target's ports
 * whose source is not the scanner's (the zombie's address), with the zombie's last reading before it
 * (the scanner's SYN/ACK and the zombie's RST, whose IP ID is read) and every reading after it up to the
 * next round. A port's exchange is the last round that held it: the one that decided it. The zombie's
 * qualification probes and the SYN/ACKs sent in the target's name open the capture and belong to no port.
 * What the scanner only infers (the target's SYN/ACK to the zombie) is not in a capture and not here.
 */
export function rebuildIdleExchanges(file: CaptureContents, targets: Iterable<string>, ports: Iterable<number>): CaptureIndex {
  const targetSet = new Set(targets);
  const portSet = new Set(ports);
  const probeFlags = tcpFlagLetters(TECHNIQUE_TABLE.idle.probe.flags);
  const exchanges = new Map<string, ExchangePacket[]>();
  const t0 = file.records[0]?.tsMicros ?? 0;
  let previous = t0;
  const segments = file.records.flatMap((record, index) => {
    const tMicros = record.tsMicros ?? previous;
    previous = tMicros;
    const d = decodeLinkFrame(record.linkType, record.data);
    const ip = d && ipView(d);
    return ip && d.tcp ? [{ ip, tcp: d.tcp, tMicros, frame: index + 1 }] : [];
  });
  const isSyn = ({ ip, tcp }: (typeof segments)[number]) =>
    targetSet.has(ip.dst) && portSet.has(tcp.dstPort) && tcpFlagLetters(tcp.flags) === probeFlags && !targetSet.has(ip.src);
  // The SYNs' source: the zombie, whose readings before the first of them are known only once it is.
  const zombie = segments.find(isSyn)?.ip.src;
  let sinceReading: ExchangePacket[] = [];
  let lastReading: ExchangePacket[] = [];
  let round: Round | undefined;

  const close = (r: Round) => {
    for (const [key, syn] of r.syns) exchanges.set(key, [...r.before, { ...syn, group: r.syns.size }, ...r.after]);
  };

  for (const segment of segments) {
    const { ip, tcp, tMicros, frame } = segment;
    const dir = targetSet.has(ip.dst) || ip.src !== zombie ? 'out' : 'in';
    const packet: ExchangePacket = {
      dir,
      t: Math.round(((tMicros - t0) / 1000) * 1000) / 1000,
      kind: 'tcp',
      flags: tcpFlagLetters(tcp.flags),
      src: ip.src,
      dst: ip.dst,
      len: ip.totalLength,
      ...(ip.version === 6 ? { ipVersion: 6 as const } : {}),
      // Over IPv6, the Identification of the zombie's atomic fragment header
      ...(dir === 'in' && ip.id !== undefined ? { ipId: ip.id } : {}),
      frame,
    };
    if (isSyn(segment)) {
      if (ip.src !== zombie) continue;
      if (!round || round.after.some((p) => p.dir === 'in')) {
        if (round) close(round);
        round = { before: lastReading, syns: new Map(), after: [] };
      }
      round.syns.set(portKey(ip.dst, tcp.dstPort), packet);
      continue;
    }
    // The zombie's readings: the scanner's probe to it, its RST back; not the SYN/ACKs in the target's name, nor the zombie's RSTs to them.
    const probe = ip.dst === zombie && !targetSet.has(ip.src);
    const reading = ip.src === zombie && !targetSet.has(ip.dst) && (tcp.flags & TCP_RST) !== 0;
    if (!probe && !reading) continue;
    sinceReading.push(packet);
    round?.after.push(packet);
    if (reading) {
      lastReading = sinceReading;
      sinceReading = [];
    }
  }
  if (round) close(round);
  return { exchanges, targetMacs: new Map(), frames: file.records.length, truncated: file.truncated };
}
