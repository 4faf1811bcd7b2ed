import { TECHNIQUE_TABLE } from '../technique';
import type { CaptureContents } from '../wire/pcap';
import type { CapturedPacket } from './captured-packets';
import type { AnalyzedExchange } from './exchange-analysis';
import { rebuildIdleExchanges } from './idle-capture';
import { classifyWire } from './textbook';
import { agreesWithTextbook, verdictKindOf } from './verdict';

/** The idle scan a capture holds: its exchanges, and every frame of it, which no other exchange takes. */
export interface IdleInCapture {
  exchanges: AnalyzedExchange[];
  frames: Set<number>;
}

/**
 * Finds an idle scan in any capture by what only it does: a host (the zombie) answers one host's SYN/ACKs
 * with RSTs (its IP ID readings) and is the source of SYNs to other hosts (sent in its name by the one
 * that probes it, which sees no answer to them). Each target port's exchange is rebuilt from its round
 * (idle-capture.ts) and read by the table, the zombie's IP IDs being its answer. Undefined without one.
 */
export function findIdleScan(contents: CaptureContents, packets: readonly CapturedPacket[], startMicros: number): IdleInCapture | undefined {
  const { probe, zombieProbe } = TECHNIQUE_TABLE.idle;
  const segments = packets.flatMap((p) =>
    p.decoded?.ip && p.decoded.tcp ? [{ frame: p.frame, tMicros: p.tMicros, ip: p.decoded.ip, tcp: p.decoded.tcp }] : [],
  );
  // who probes whom with the zombie probe's flags: zombie → scanner
  const probedBy = new Map(segments.filter((s) => s.tcp.flags === zombieProbe.flags).map((s) => [s.ip.dst, s.ip.src]));
  const syns = segments.filter((s) => s.tcp.flags === probe.flags && probedBy.has(s.ip.src));
  const zombie = syns[0]?.ip.src;
  if (zombie === undefined) return undefined;
  const scanner = probedBy.get(zombie)!;
  const ofScan = syns.filter((s) => s.ip.src === zombie);
  const targets = new Set(ofScan.map((s) => s.ip.dst));
  // Not a SYN scan seen backwards, a target's SYN/ACK "probing" the scanner: there that "prober" is itself
  // one of the SYNs' targets, while an idle scan never sends SYNs in the zombie's name to the scanner.
  if (targets.has(scanner)) return undefined;
  const ports = new Set(ofScan.map((s) => s.tcp.dstPort));
  const frames = new Set(segments.filter((s) => s.ip.src === zombie || s.ip.dst === zombie).map((s) => s.frame));
  const timeOf = new Map(segments.map((s) => [s.frame, s.tMicros]));
  const first = contents.records[0]?.tsMicros ?? startMicros;
  const exchanges: AnalyzedExchange[] = [];
  for (const [key, rebuilt] of rebuildIdleExchanges(contents, targets, ports).exchanges) {
    const target = key.slice(0, key.lastIndexOf(':'));
    const port = Number(key.slice(key.lastIndexOf(':') + 1));
    // times from the analysis's start, as every other exchange of the capture counts them
    const packetsOf = rebuilt.map((p) => ({ ...p, t: Math.max(0, Math.round(p.t * 1000 + first - startMicros) / 1000) }));
    const syn = packetsOf.find((p) => p.dst === target);
    const common = { technique: 'idle' as const, scanner, target, port, protocol: 'tcp' as const, packets: packetsOf, deviations: [] };
    const triesMicros = syn?.frame === undefined ? [] : [timeOf.get(syn.frame)!];
    const wire = classifyWire('idle', target, packetsOf);
    if (!wire) {
      exchanges.push({ ...common, matchesTextbook: false, triesMicros });
      continue;
    }
    const verdict = verdictKindOf('idle', packetsOf, wire, wire.state);
    exchanges.push({ ...common, wire, column: wire.state, verdict, matchesTextbook: agreesWithTextbook(verdict), triesMicros });
  }
  return { exchanges, frames };
}
