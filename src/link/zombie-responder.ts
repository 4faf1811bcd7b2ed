import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { UserError } from '../base/errors';
import { buildTcpFrame, decodeFrame } from '../wire';
import { LiveCapture } from './capture';
import { assertInterfaceUp, neighbourFromArpTable } from './route';
import { IpIdSource, resetFor } from './zombie-reply';

export interface ZombieResponderOptions {
  /** the interface both addresses are on */
  iface: string;
  /** answered with IP IDs from one global counter: a zombie an idle scan can use */
  address: string;
  /** answered with random IP IDs: a zombie an idle scan must refuse */
  randomAddress?: string;
}

/** The responder's frames are a few dozen bytes; a small ring holds any burst an idle scan sends. */
const RING_BYTES = 256 * 1024;
/** An old stack's initial TTL. */
const TTL = 64;

export interface ZombieResponder {
  close(): void;
}

/**
 * A host that answers TCP as an old stack with one global IP ID counter did, so that the lab has a
 * zombie: Linux keeps an IP ID counter per destination, which hides the side channel the idle scan
 * reads. It captures every TCP segment to its addresses and answers each with the RFC 793 reset of a
 * closed port (resetFor); the kernel of its namespace must drop TCP to those addresses (the lab's nft
 * input rule), or it would answer too. Each answer takes the next IP ID of its address's source.
 */
export function startZombieResponder(options: ZombieResponderOptions): ZombieResponder {
  const addresses = [options.address, ...(options.randomAddress === undefined ? [] : [options.randomAddress])];
  for (const a of addresses) if (!isIPv4(a)) throw new UserError(`zombie address must be an IPv4 address, not '${a}'`);
  const mac = interfaceMac(options.iface);
  const sources = new Map<string, IpIdSource>([[options.address, new IpIdSource('global-counter', randomInt(0x10000), () => 0)]]);
  if (options.randomAddress !== undefined) sources.set(options.randomAddress, new IpIdSource('random', 0, () => randomInt(0x10000)));
  const filter = `tcp and (${addresses.map((a) => `dst host ${a}`).join(' or ')})`;
  const capture: LiveCapture = new LiveCapture(
    options.iface,
    filter,
    (frame) => {
      const d = decodeFrame(frame);
      if (!d?.eth || !d.ip || !d.tcp || d.ip.fragmentOffset !== 0) return;
      const ids = sources.get(d.ip.dst);
      const reset = ids && resetFor(d.tcp);
      if (!ids || !reset) return;
      capture.send(
        buildTcpFrame({
          srcMac: mac,
          // As a stack would, to the address's own MAC: the frame's sender may have spoofed that address.
          dstMac: neighbourFromArpTable(d.ip.src, options.iface) ?? d.eth.src,
          srcIp: d.ip.dst,
          dstIp: d.ip.src,
          ttl: TTL,
          id: ids.take(),
          srcPort: d.tcp.dstPort,
          dstPort: d.tcp.srcPort,
          ...reset,
          window: 0,
        }),
      );
    },
    undefined,
    RING_BYTES,
  );
  return { close: () => capture.close() };
}

function interfaceMac(iface: string): string {
  assertInterfaceUp(iface);
  return readFileSync(`/sys/class/net/${iface}/address`, 'utf8').trim();
}
