import { isIPv4 } from 'node:net';
import { UserError } from '../base/errors';
import type { LabHostLink, LabLinkEnd } from '../protocol';

export type { LabHostLink, LabLinkEnd };

export const LAB_ID_MIN = 0;
export const LAB_ID_MAX = 255;
export const LAB_PREFIX_LENGTH = 24;

export interface LabEnd {
  role: 'scanner' | 'target';
  namespace: string;
  iface: string;
  address: string;
  mac: string;
}

/** Names, addresses and MACs of lab N: a pure function of N, so two runs of a lab look the same in a report. */
export interface LabTopology {
  id: number;
  subnet: string;
  scanner: LabEnd;
  target: LabEnd;
  hostLink: LabHostLink;
}

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

export function labTopology(id: number): LabTopology {
  checkLabId(id);
  const end = (role: LabEnd['role'], host: number): LabEnd => ({
    role,
    namespace: `portlab${id}-${role}`,
    // Interface names must fit IFNAMSIZ (15); "pl255s" is the longest.
    iface: `pl${id}${role === 'scanner' ? 's' : 't'}`,
    address: `198.18.${id}.${host}`,
    mac: labMac(id, host),
  });
  const target = end('target', 2);
  const linkEnd = (host: number, iface: string): LabLinkEnd => ({ iface, address: `198.18.${id}.${host}`, mac: labMac(id, host) });
  const hostLink: LabHostLink = {
    subnet: `198.18.${id}.${HOST_LINK_NETWORK}/${HOST_LINK_PREFIX_LENGTH}`,
    prefixLength: HOST_LINK_PREFIX_LENGTH,
    // "pl255ht" fits IFNAMSIZ as well.
    host: linkEnd(HOST_LINK_NETWORK + 1, `pl${id}h`),
    target: { namespace: target.namespace, ...linkEnd(HOST_LINK_NETWORK + 2, `pl${id}ht`) },
    route: `${target.address}/32`,
  };
  return { id, subnet: `198.18.${id}.0/${LAB_PREFIX_LENGTH}`, scanner: end('scanner', 1), target, hostLink };
}

/** The lab whose subnet (198.18.N.0/24) holds `address`, an IPv4 address; undefined for any other address. */
export function labOfAddress(address: string): LabTopology | undefined {
  if (!isIPv4(address)) return undefined;
  const [first, second, third] = address.split('.').map(Number);
  return first === 198 && second === 18 ? labTopology(third!) : undefined;
}

/** The lab that owns the network namespace `name` (its scanner's or its target's); undefined for any other name. */
export function labOfNamespace(name: string): LabTopology | undefined {
  const id = /^portlab(\d{1,3})-/.exec(name)?.[1];
  if (id === undefined || Number(id) > LAB_ID_MAX) return undefined;
  const topology = labTopology(Number(id));
  return name === topology.scanner.namespace || name === topology.target.namespace ? topology : undefined;
}
