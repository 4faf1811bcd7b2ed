import type { ExchangePacket } from '../protocol';
import { ipIdDistance, type Answer, type IpIdSequence } from '../technique';

/** What an idle exchange's IP IDs say: the table's answer, the zombie reading it rests on, and the IP IDs before and after. */
export interface IdleReading {
  answer: Extract<Answer, { kind: 'ipid' }>;
  /** the zombie's RST whose IP ID gave the largest rise */
  decisive: ExchangePacket;
  before: number;
  after: number;
  /** the scanner's own probes of the zombie between the two readings: each spent one IP ID */
  probes: number;
  /** the zombie's counter as the exchange shows it */
  sequence: IpIdSequence;
}

/**
 * The class of the zombie's counter as far as one exchange shows it: steps that are all multiples of
 * 256 are a byte-swapped counter (nmap's "Broken little-endian incremental"), anything else counts one
 * per packet. A zombie counting by two cannot be told from one that sent a packet of its own in so few
 * readings; the scan itself learns the class from six probes in a row (src/engine/idle/zombie-check.ts).
 */
function sequenceOf(ids: readonly number[]): IpIdSequence {
  const steps = ids.slice(1).map((id, i) => (id - ids[i]!) & 0xffff);
  return steps.length > 0 && steps.every((s) => s > 0 && s % 256 === 0) ? 'broken-incremental' : 'incremental';
}

/**
 * Reads an idle scan's exchange as the scan read it (src/engine/idle/idle-round.ts): the zombie's IP ID
 * before the port's SYN in the zombie's name, then after it; the rise beyond the probes the scanner
 * itself sent the zombie in between is the table's `ipid` answer, for the ports whose SYNs went out
 * together. Undefined when the exchange lacks the SYN, or a zombie reading on either side of it.
 */
export function readIdleExchange(exchange: readonly ExchangePacket[], target: string): IdleReading | undefined {
  const seen = exchange.filter((p) => !p.inferred);
  const syn = seen.findIndex((p) => p.dir === 'out' && p.dst === target);
  if (syn < 0) return undefined;
  const isReading = (p: ExchangePacket) => p.dir === 'in' && p.ipId !== undefined;
  let beforeIndex = syn - 1;
  while (beforeIndex >= 0 && !isReading(seen[beforeIndex]!)) beforeIndex--;
  if (beforeIndex < 0) return undefined;
  const before = seen[beforeIndex]!;
  const zombie = before.src;
  const readings = seen.slice(syn + 1).filter(isReading);
  if (readings.length === 0) return undefined;
  const sequence = sequenceOf([before, ...readings].map((p) => p.ipId!));
  let best: IdleReading | undefined;
  let probes = 0;
  for (const p of seen.slice(beforeIndex + 1)) {
    if (p.dir === 'out' && p.dst === zombie) probes++;
    if (!isReading(p) || seen.indexOf(p) < syn) continue;
    const rise = ipIdDistance(sequence, before.ipId!, p.ipId!)! - probes;
    if (!best || rise > best.answer.rise)
      best = { answer: { kind: 'ipid', rise, ports: seen[syn]!.group ?? 1 }, decisive: p, before: before.ipId!, after: p.ipId!, probes, sequence };
  }
  return best;
}
