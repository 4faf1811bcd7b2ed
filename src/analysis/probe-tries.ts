import type { GroupedExchange, PlacedPacket } from './exchange-grouping';

/**
 * Probes sent within this long of the one before are one try: nmap sends several payloads at once to
 * some UDP ports (DNS, NTP), while a retry waits for an answer first (nmap at least 100 ms, a Scapy
 * program its timeout, the kernel 1 s for a SYN).
 */
const SAME_TRY_MICROS = 50_000;

/** The probes of an exchange grouped into tries, each try's probes in capture order; the first try first. */
export function probeTries(exchange: GroupedExchange): PlacedPacket[][] {
  const tries: PlacedPacket[][] = [];
  let previous: PlacedPacket | undefined;
  for (const p of exchange.packets) {
    if (!p.probe) continue;
    if (previous && p.packet.tMicros - previous.packet.tMicros <= SAME_TRY_MICROS) tries[tries.length - 1]!.push(p);
    else tries.push([p]);
    previous = p;
  }
  return tries;
}
