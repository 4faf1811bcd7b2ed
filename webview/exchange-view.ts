import type { ExchangePacket } from '../src/protocol/scan';

/**
 * The packet an exchange opens on when its row is picked, in the results, check and capture pages alike:
 * the first captured answer, as it is the packet that decided the state (or that the program had to read
 * its verdict from); else the first captured packet; undefined when nothing of it was captured.
 */
export function firstShownPacket(exchange: readonly ExchangePacket[]): number | undefined {
  const firstIn = exchange.findIndex((p) => p.dir === 'in' && p.frame);
  const firstCaptured = exchange.findIndex((p) => p.frame);
  return firstIn >= 0 ? firstIn : firstCaptured >= 0 ? firstCaptured : undefined;
}

/** The frames some textbook deviation of an exchange (a check's case, a capture's exchange) cites: its ladder marks them. */
export function deviatingFrames(exchange: { textbook?: { deviations: readonly { frames: readonly number[] }[] } | undefined } | undefined): Set<number> {
  return new Set(exchange?.textbook?.deviations.flatMap((d) => d.frames) ?? []);
}

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;
const IPV6 = /^[\da-f:]+$/i;
const IPV6_GROUPS = 8;

/**
 * What sorts addresses in numeric order ("198.18.0.9" before "198.18.0.10", "2001:2::9" before
 * "2001:2::10"): an IPv4 address with its numbers padded, an IPv6 one with its "::" filled and its
 * eight groups padded (after every IPv4 one), any other text as it is.
 */
export function addressOrder(address: string): string {
  if (IPV4.test(address)) return address.replace(/\d+/g, (n) => n.padStart(3, '0'));
  const [head, tail, extra] = address.split('::');
  if (!IPV6.test(address) || extra !== undefined) return address;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const zeros = IPV6_GROUPS - groups(head).length - groups(tail).length;
  const all = tail === undefined ? groups(head) : [...groups(head), ...Array<string>(Math.max(0, zeros)).fill('0'), ...groups(tail)];
  return `v6 ${all.map((g) => g.toLowerCase().padStart(4, '0')).join(':')}`;
}
