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

/** What sorts addresses in numeric order ("198.18.0.9" before "198.18.0.10"): an IPv4 address with its numbers padded, any other text as it is. */
export function addressOrder(address: string): string {
  return IPV4.test(address) ? address.replace(/\d+/g, (n) => n.padStart(3, '0')) : address;
}
