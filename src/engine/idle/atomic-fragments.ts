import { randomInt } from 'node:crypto';
import { buildIcmpv6EchoPacket, buildIcmpv6Packet, ICMPV6_ECHO_REPLY, ICMPV6_PACKET_TOO_BIG, IPV6_HEADER_LENGTH } from '../../wire';
import type { Zombie } from '../scan-plan';
import type { IdleWire } from './idle-wire';

/** The smallest packet IPv6 lets a link carry: an echo of this size leaves no room for anything bigger. */
const ECHO_PACKET_BYTES = 1280;
/** nmap's MTU in the Packet Too Big: below IPv6's minimum, which an old stack answers with atomic fragments. */
const TOO_BIG_MTU = 1278;
/** An ICMPv6 error quotes as much of the packet as keeps it within 1280 bytes (RFC 4443 section 2.4 c). */
const QUOTE_BYTES = ECHO_PACKET_BYTES - IPV6_HEADER_LENGTH - 8;
const ECHO_DATA = new Uint8Array(ECHO_PACKET_BYTES - IPV6_HEADER_LENGTH - 8).fill(0x41);

/**
 * nmap's preparation of an IPv6 zombie (idle_scan.cc): an IPv6 packet has no IP ID, but a fragment header
 * has a 32-bit Identification, and a stack that learns a path MTU below 1280 puts one on every packet to
 * that peer (an "atomic fragment", RFC 6946). So the zombie gets a 1280-byte echo request and then a Packet
 * Too Big with MTU 1278 quoting its reply; then the same in the target's name: a spoofed echo request, and a
 * spoofed Packet Too Big quoting the reply the zombie must have sent the target (built here, as nmap guesses
 * it). After this the zombie's RSTs to the scanner carry the counter the scan reads, and its RSTs to the
 * target's SYN/ACKs spend it. Whether it worked the zombie's check tells: RSTs without a fragment header
 * read as IP ID 0, the class nmap refuses as "All zeros".
 */
export async function forceAtomicFragments(wire: IdleWire, zombie: Zombie, target: string, waitMs: number): Promise<void> {
  const echoId = randomInt(0x10000);
  const echo = (srcIp: string, echoSeq: number) => buildIcmpv6EchoPacket({ srcIp, dstIp: zombie.address, echoId, echoSeq, payload: ECHO_DATA });
  const tooBig = (srcIp: string, quoted: Uint8Array) =>
    buildIcmpv6Packet({ srcIp, dstIp: zombie.address, type: ICMPV6_PACKET_TOO_BIG, code: 0, rest: TOO_BIG_MTU, payload: quoted.subarray(0, QUOTE_BYTES) });
  /** the reply the zombie sends (or sent) `to`: the request's identifier, sequence number and data, back */
  const guessedReply = (to: string, echoSeq: number) =>
    buildIcmpv6Packet({ srcIp: zombie.address, dstIp: to, type: ICMPV6_ECHO_REPLY, code: 0, rest: ((echoId << 16) | echoSeq) >>> 0, payload: ECHO_DATA });

  const ours = wire.srcIp;
  await wire.paced();
  const reply = await wire.echoReply(echoId, 1, waitMs, () => wire.sendToZombie(echo(ours, 1)));
  await wire.paced();
  wire.sendToZombie(tooBig(ours, reply?.packet ?? guessedReply(ours, 1)));
  await wire.paced();
  wire.sendToZombie(echo(target, 2));
  await wire.paced();
  wire.sendToZombie(tooBig(target, guessedReply(target, 2)));
}
