import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { UserError } from '../base/errors';
import { buildTcpFrame, canonicalIpv6, decodeFrame, ICMPV6_PACKET_TOO_BIG, type DecodedFrame } from '../wire';
import { LiveCapture } from './capture';
import { assertInterfaceUp, neighbourFromArpTable } from './route';
import { neighbourFromNdpTable } from './route6';
import { AtomicFragments, IpIdSource, resetFor } from './zombie-reply';

export interface ZombieResponderOptions {
  /** the interface both addresses are on */
  iface: string;
  /** answered with IP IDs from one global counter: a zombie an idle scan can use */
  address: string;
  /** answered with random IP IDs: a zombie an idle scan must refuse */
  randomAddress?: string;
  /** answered as an old IPv6 stack: atomic fragments, with IDs from one global counter, to peers that reported an MTU below 1280 */
  address6?: string;
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
 * Over IPv6 it answers as an old stack would after a Packet Too Big below 1280 (AtomicFragments): an
 * idle scan over IPv6 first sends one in its own name and one in the target's, as nmap does.
 */
export async function startZombieResponder(options: ZombieResponderOptions): Promise<ZombieResponder> {
  const addresses = [options.address, ...(options.randomAddress === undefined ? [] : [options.randomAddress])];
  for (const a of addresses) if (!isIPv4(a)) throw new UserError(`zombie address must be an IPv4 address, not '${a}'`);
  if (options.address6 !== undefined && !isIPv6(options.address6))
    throw new UserError(`zombie IPv6 address must be an IPv6 address, not '${options.address6}'`);
  const address6 = options.address6 === undefined ? undefined : canonicalIpv6(options.address6);
  const mac = interfaceMac(options.iface);
  const sources = new Map<string, IpIdSource>([[options.address, new IpIdSource('global-counter', randomInt(0x10000), () => 0)]]);
  if (options.randomAddress !== undefined) sources.set(options.randomAddress, new IpIdSource('random', 0, () => randomInt(0x10000)));
  const fragments = new AtomicFragments(randomInt(0x100000000));
  const tcp4 = `tcp and (${addresses.map((a) => `dst host ${a}`).join(' or ')})`;
  // A Packet Too Big is the one ICMPv6 the responder reads; echo and neighbour discovery stay the kernel's.
  const filter = address6 === undefined ? tcp4 : `(${tcp4}) or (ip6 dst host ${address6} and (tcp or (icmp6 and ip6[40] == ${ICMPV6_PACKET_TOO_BIG})))`;
  const answer4 = (d: DecodedFrame): Uint8Array | undefined => {
    const ids = d.ip && d.ip.fragmentOffset === 0 ? sources.get(d.ip.dst) : undefined;
    const reset = ids && d.tcp && resetFor(d.tcp);
    if (!ids || !reset) return undefined;
    return buildTcpFrame({
      srcMac: mac,
      // As a stack would, to the address's own MAC: the frame's sender may have spoofed that address.
      dstMac: neighbourFromArpTable(d.ip!.src, options.iface) ?? d.eth!.src,
      srcIp: d.ip!.dst,
      dstIp: d.ip!.src,
      ttl: TTL,
      id: ids.take(),
      srcPort: d.tcp!.dstPort,
      dstPort: d.tcp!.srcPort,
      ...reset,
      window: 0,
    });
  };
  const answer6 = (d: DecodedFrame): Uint8Array | undefined => {
    const ip6 = d.ip6!;
    const tooBig = d.icmp6?.type === ICMPV6_PACKET_TOO_BIG ? d.icmp6.quoted : undefined;
    // The quoted packet is one the zombie sent (or could have): its destination is the peer the MTU is for.
    if (tooBig && tooBig.ip.src === address6) fragments.tooBig(tooBig.ip.dst, d.icmp6!.rest);
    const reset = d.tcp && !ip6.fragment && resetFor(d.tcp);
    if (!reset) return undefined;
    const fragmentId = fragments.idFor(ip6.src);
    return buildTcpFrame({
      srcMac: mac,
      dstMac: neighbourFromNdpTable(ip6.src, options.iface) ?? d.eth!.src,
      srcIp: ip6.dst,
      dstIp: ip6.src,
      ttl: TTL,
      ...(fragmentId === undefined ? {} : { fragmentId }),
      srcPort: d.tcp!.dstPort,
      dstPort: d.tcp!.srcPort,
      ...reset,
      window: 0,
    });
  };
  const capture: LiveCapture = await LiveCapture.open(
    options.iface,
    filter,
    (frame) => {
      const d = decodeFrame(frame);
      if (!d?.eth) return;
      const reply = d.ip6 ? (d.ip6.dst === address6 ? answer6(d) : undefined) : answer4(d);
      if (reply) capture.send(reply);
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
