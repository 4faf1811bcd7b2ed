import { TCP_RST, TCP_SYN } from '../wire';
import type { GroupedExchange, PlacedPacket } from './exchange-grouping';
import { probeTries } from './probe-tries';

/** An answer never counts as late before this: scanners wait at least a second (nmap's initial timeout, Scapy's usual one). */
const LATE_FLOOR_MICROS = 1_000_000;
/** …nor before this many times the fastest answer the scanner got in the capture (its round-trip time). */
const LATE_RTT_FACTOR = 10;
/** A scanner that retried after waiting W waits about W for the retry's answer: later than this many W is after it gave up. */
const RETRY_WAIT_FACTOR = 1.5;

export interface LateAnswer {
  /** the inbound packets of the exchange that came after the scanner had given up */
  packets: PlacedPacket[];
  /** the scanner's last probe before the first of them */
  lastProbe: PlacedPacket;
  /** the first probe of another exchange the scanner sent meanwhile: it had moved on */
  movedOn?: PlacedPacket;
}

/**
 * The answers that came after their scanner had given up: long after its last probe (ten times its
 * round-trip time and at least a second), and either after it had moved on to another port, or later
 * than it had itself waited before retrying. Such an answer cannot have decided what the scanner
 * reported, however well it would have.
 */
export function findLateAnswers(exchanges: readonly GroupedExchange[]): Map<GroupedExchange, LateAnswer> {
  const late = new Map<GroupedExchange, LateAnswer>();
  const fastest = fastestAnswers(exchanges);
  const starts = new Map<string, PlacedPacket[]>();
  for (const exchange of exchanges) {
    const first = exchange.packets.find((p) => p.probe);
    if (!first) continue;
    const list = starts.get(exchange.scanner) ?? [];
    list.push(first);
    starts.set(exchange.scanner, list);
  }
  for (const exchange of exchanges) {
    const floor = Math.max(LATE_FLOOR_MICROS, LATE_RTT_FACTOR * (fastest.get(exchange.scanner) ?? 0));
    const waited = longestRetryWait(exchange);
    let lastProbe: PlacedPacket | undefined;
    for (const [i, p] of exchange.packets.entries()) {
      if (p.probe) lastProbe = p;
      if (!isAnswer(p) || !lastProbe) continue;
      const delay = p.packet.tMicros - lastProbe.packet.tMicros;
      if (delay < floor) continue;
      const since = lastProbe.packet.tMicros;
      const movedOn = starts
        .get(exchange.scanner)
        ?.find((s) => s.packet.tMicros > since && s.packet.tMicros < p.packet.tMicros && !exchange.packets.includes(s));
      if (!movedOn && !(waited !== undefined && delay > RETRY_WAIT_FACTOR * waited)) continue;
      const packets = exchange.packets.slice(i).filter(isAnswer);
      late.set(exchange, { packets, lastProbe, ...(movedOn ? { movedOn } : {}) });
      break;
    }
  }
  return late;
}

/** A packet back that can answer a probe: a datagram, an ICMP error, a segment with SYN or RST (not the data or FIN of a connection). */
function isAnswer(p: PlacedPacket): boolean {
  if (p.dir !== 'in') return false;
  const tcp = p.packet.decoded?.tcp;
  return tcp === undefined || (tcp.flags & (TCP_SYN | TCP_RST)) !== 0;
}

/** Per scanner address, the shortest time from a probe to the first packet back. */
function fastestAnswers(exchanges: readonly GroupedExchange[]): Map<string, number> {
  const fastest = new Map<string, number>();
  for (const exchange of exchanges) {
    let lastProbe: PlacedPacket | undefined;
    for (const p of exchange.packets) {
      if (p.probe) lastProbe = p;
      else if (isAnswer(p) && lastProbe) {
        const delay = p.packet.tMicros - lastProbe.packet.tMicros;
        fastest.set(exchange.scanner, Math.min(delay, fastest.get(exchange.scanner) ?? Infinity));
        lastProbe = undefined;
      }
    }
  }
  return fastest;
}

/** The longest the scanner waited between two tries of this exchange; undefined when it tried once. */
function longestRetryWait(exchange: GroupedExchange): number | undefined {
  const tries = probeTries(exchange);
  let longest: number | undefined;
  for (let i = 1; i < tries.length; i++) {
    const wait = tries[i]![0]!.packet.tMicros - tries[i - 1]!.at(-1)!.packet.tMicros;
    longest = Math.max(wait, longest ?? 0);
  }
  return longest;
}
