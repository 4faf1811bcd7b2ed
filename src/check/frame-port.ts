import { IPPROTO_TCP, IPPROTO_UDP, type DecodedFrame } from '../wire';
import type { Protocol } from '../protocol';

/**
 * The target port a captured packet belongs to: the target's end of a TCP or UDP packet to or from
 * it, or the target's end of the datagram an ICMP error quotes (the target's error about a probe, or
 * our kernel's about one of the target's answers). `isChecked` says which ports have a run: on
 * loopback both ends share the target's address, and only the checked port tells them apart.
 * Undefined for a packet of another protocol, or of no checked port.
 */
export function targetPortOf(frame: DecodedFrame, target: string, protocol: Protocol, isChecked: (port: number) => boolean): number | undefined {
  const ip = frame.ip;
  if (!ip) return undefined;
  const l4 = protocol === 'tcp' ? frame.tcp : frame.udp;
  if (l4) return pick(ip.dst === target ? l4.dstPort : undefined, ip.src === target ? l4.srcPort : undefined, isChecked);
  const quoted = frame.icmp?.quoted;
  if (!quoted || quoted.protocol !== (protocol === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP)) return undefined;
  return pick(quoted.ip.dst === target ? quoted.dstPort : undefined, quoted.ip.src === target ? quoted.srcPort : undefined, isChecked);
}

function pick(first: number | undefined, second: number | undefined, isChecked: (port: number) => boolean): number | undefined {
  if (first !== undefined && isChecked(first)) return first;
  if (second !== undefined && isChecked(second)) return second;
  return undefined;
}
