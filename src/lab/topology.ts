import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';
import { UserError } from '../base/errors';
import type { LabHostLink, LabHostRole, LabLinkEnd, LabSegment } from '../protocol';

export type { LabHostLink, LabLinkEnd, LabSegment };

export const LAB_ID_MIN = 0;
export const LAB_ID_MAX = 255;
export const LAB_PREFIX_LENGTH = 24;
export const LAB_PREFIX_LENGTH6 = 64;

/** A host on the lab's segment. Its host number H is the last part of both its addresses: 198.18.N.H and 2001:2:0:N::H. */
export interface LabEnd {
  role: LabHostRole;
  namespace: string;
  iface: string;
  address: string;
  address6: string;
  mac: string;
}

/** The zombie's interface also has a second IPv4 address, whose answers carry random IP IDs. */
export interface LabZombieEnd extends LabEnd {
  role: 'zombie';
  randomIpIdAddress: string;
}

/** Names, addresses and MACs of lab N: a pure function of N, so two runs of a lab look the same in a report. */
export interface LabTopology {
  id: number;
  subnet: string;
  /** 2001:2:0:N::/64, inside 2001:2::/48, the IPv6 range for benchmarking (RFC 5180) as 198.18.0.0/15 is for IPv4 */
  subnet6: string;
  segment: LabSegment;
  scanner: LabEnd;
  target: LabEnd;
  stateless: LabEnd;
  zombie: LabZombieEnd;
  hostLink: LabHostLink;
}

const HOST_NUMBER = { scanner: 1, target: 2, stateless: 3, zombie: 4 } as const satisfies Record<LabHostRole, number>;
const RANDOM_IP_ID_HOST = 5;
// Interface names must fit IFNAMSIZ (15): "pl255s" … "pl255z" do.
const IFACE_LETTER = { scanner: 's', target: 't', stateless: 'f', zombie: 'z' } as const satisfies Record<LabHostRole, string>;

export const HOST_LINK_PREFIX_LENGTH = 30;
/** The host link's /30 is 198.18.N.128: the host is .129, the target's side .130. */
const HOST_LINK_NETWORK = 128;

/** Throws a UserError unless `id` is a lab id (an integer 0..255: it becomes the third octet of 198.18.N.0/24). */
export function checkLabId(id: number): number {
  if (!Number.isInteger(id) || id < LAB_ID_MIN || id > LAB_ID_MAX)
    throw new UserError(`lab id must be an integer from ${LAB_ID_MIN} to ${LAB_ID_MAX}, not ${String(id)}`);
  return id;
}

/** Parses a lab id given on the command line. */
export function parseLabId(text: string): number {
  if (!/^\d{1,3}$/.test(text.trim())) throw new UserError(`lab id must be an integer from ${LAB_ID_MIN} to ${LAB_ID_MAX}, not '${text}'`);
  return checkLabId(Number(text));
}

// Locally administered (0x02 in the first octet), "pl" in the next two, then N and the host number.
function labMac(id: number, host: number): string {
  return ['02', '70', '6c', id, 0, host].map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0'))).join(':');
}

// The lab id's decimal digits read as a hex group: 2001:2:0:210::/64 for lab 210, distinct for every id. Written
// in RFC 5952 form, as `ip` shows it and scans write targets (lab 0's hosts are 2001:2::H, not 2001:2:0:0::H).
const labAddress6 = (id: number, host: number | '') => ipaddr.IPv6.parse(`2001:2:0:${id}::${host}`).toRFC5952String();

export function labTopology(id: number): LabTopology {
  checkLabId(id);
  const end = (role: LabHostRole): LabEnd => ({
    role,
    namespace: `portlab${id}-${role}`,
    iface: `pl${id}${IFACE_LETTER[role]}`,
    address: `198.18.${id}.${HOST_NUMBER[role]}`,
    address6: labAddress6(id, HOST_NUMBER[role]),
    mac: labMac(id, HOST_NUMBER[role]),
  });
  const target = end('target');
  const linkEnd = (host: number, iface: string): LabLinkEnd => ({ iface, address: `198.18.${id}.${host}`, mac: labMac(id, host) });
  const hostLink: LabHostLink = {
    subnet: `198.18.${id}.${HOST_LINK_NETWORK}/${HOST_LINK_PREFIX_LENGTH}`,
    prefixLength: HOST_LINK_PREFIX_LENGTH,
    // "pl255ht" fits IFNAMSIZ as well.
    host: linkEnd(HOST_LINK_NETWORK + 1, `pl${id}h`),
    target: { namespace: target.namespace, ...linkEnd(HOST_LINK_NETWORK + 2, `pl${id}ht`) },
    route: `${target.address}/32`,
  };
  return {
    id,
    subnet: `198.18.${id}.0/${LAB_PREFIX_LENGTH}`,
    subnet6: `${labAddress6(id, '')}/${LAB_PREFIX_LENGTH6}`,
    segment: { namespace: `portlab${id}-switch`, bridge: 'br0' },
    scanner: end('scanner'),
    target,
    stateless: end('stateless'),
    zombie: { ...end('zombie'), role: 'zombie', randomIpIdAddress: `198.18.${id}.${RANDOM_IP_ID_HOST}` },
    hostLink,
  };
}

/** The hosts on the lab's segment, in host-number order. */
export function labEnds(topo: LabTopology): LabEnd[] {
  return [topo.scanner, topo.target, topo.stateless, topo.zombie];
}

/**
 * A host's port on the switch: the far end of its veth, inside the switch namespace, named after the
 * host's role there (a namespace of its own, so the names are short and plain). The MAC never reaches
 * the wire (the bridge has no address and runs no STP); it is fixed only so two runs look the same.
 */
export function switchPort(topo: LabTopology, end: LabEnd): { iface: string; mac: string } {
  return { iface: end.role, mac: labMac(topo.id, 0x40 + HOST_NUMBER[end.role]) };
}

/** Every network namespace of the lab: the switch first, then its hosts. */
export function labNamespaces(topo: LabTopology): string[] {
  return [topo.segment.namespace, ...labEnds(topo).map((e) => e.namespace)];
}

/**
 * The lab whose subnet holds `address`: 198.18.N.0/24 for an IPv4 address, 2001:2:0:N::/64 for an IPv6
 * one (in any of its spellings); undefined for any other address.
 */
export function labOfAddress(address: string): LabTopology | undefined {
  if (isIPv4(address)) {
    const [first, second, third] = address.split('.').map(Number);
    return first === 198 && second === 18 ? labTopology(third!) : undefined;
  }
  if (!isIPv6(address) || address.includes('%')) return undefined;
  const [a, b, c, d] = ipaddr.IPv6.parse(address).parts;
  const id = d!.toString(16);
  return a === 0x2001 && b === 2 && c === 0 && /^\d{1,3}$/.test(id) && Number(id) <= LAB_ID_MAX ? labTopology(Number(id)) : undefined;
}

/** The lab that owns the network namespace `name` (its switch's or one of its hosts'); undefined for any other name. */
export function labOfNamespace(name: string): LabTopology | undefined {
  const id = /^portlab(\d{1,3})-/.exec(name)?.[1];
  if (id === undefined || Number(id) > LAB_ID_MAX) return undefined;
  const topology = labTopology(Number(id));
  return labNamespaces(topology).includes(name) ? topology : undefined;
}

/** The host of lab `topo` one of whose addresses (IPv4, IPv6 in any spelling, or the zombie's second one) is `address`. */
export function labEndOf(topo: LabTopology, address: string): LabEnd | undefined {
  if (isIPv4(address)) return labEnds(topo).find((e) => e.address === address || (e.role === 'zombie' && topo.zombie.randomIpIdAddress === address));
  if (!isIPv6(address) || address.includes('%')) return undefined;
  const wanted = ipaddr.IPv6.parse(address).toNormalizedString();
  return labEnds(topo).find((e) => ipaddr.IPv6.parse(e.address6).toNormalizedString() === wanted);
}
