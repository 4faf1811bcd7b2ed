import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { Protocol } from './scan';

/**
 * How the lab made a port be in its state. 'filtered-syn': a listener behind a stateless rule that drops
 * only segments with SYN set and ACK clear (connection openings), so a SYN scan sees filtered where an
 * ACK scan sees unfiltered.
 */
export const LabTruth = z.enum(['open', 'closed', 'filtered-drop', 'filtered-reject', 'filtered-syn']);
export type LabTruth = z.infer<typeof LabTruth>;

/**
 * scanner and target; 'stateless': a host behind a firewall without connection tracking; 'zombie': an
 * idle scan's zombie, answering TCP from a raw socket with one IP ID counter for every destination.
 */
export const LabHostRole = z.enum(['scanner', 'target', 'stateless', 'zombie']);
export type LabHostRole = z.infer<typeof LabHostRole>;

export const LabPort = z.object({
  port: z.number().int().min(1).max(65535),
  protocol: Protocol,
  truth: LabTruth,
  /** in plain words how the state is made, e.g. "dnsmasq listens on 198.18.0.2:53" or the nft rule */
  how: z.string(),
  /** the exact nftables rule that filters this port, when it is filtered */
  rule: z.string().optional(),
  /** what answers on an open port, so that a report can say it in its own language */
  service: z.enum(['dns', 'ssh-banner', 'http', 'tcp-accept', 'udp-echo']).optional(),
});
export type LabPort = z.infer<typeof LabPort>;

export const LabHost = z.object({
  role: LabHostRole,
  namespace: z.string(),
  iface: z.string(),
  address: z.string(),
  prefixLength: z.number().int().min(0).max(32),
  mac: z.string(),
  /** the host's global IPv6 address on the same interface (labs since IPv6; absent in older descriptions) */
  address6: z.string().optional(),
  prefixLength6: z.number().int().min(0).max(128).optional(),
  /** a zombie's second address, whose answers carry random IP IDs: a zombie an idle scan must refuse */
  randomIpIdAddress: z.string().optional(),
  /** in plain words what the host is and how it behaves, for the hosts other than scanner and target */
  how: z.string().optional(),
  /** the ports of a host other than the target, with truth and how (the target's are the description's `ports`) */
  ports: z.array(LabPort).optional(),
  /** `nft list ruleset` of a host other than the target, verbatim (the target's is the description's `ruleset`) */
  ruleset: z.string().optional(),
});
export type LabHost = z.infer<typeof LabHost>;

export const LabListener = z.object({
  protocol: Protocol,
  /** absent for a responder on a raw socket, which answers every port of its addresses */
  port: z.number().int().min(1).max(65535).optional(),
  program: z.string(),
  pid: z.number().int().positive(),
  /** the addresses it serves (absent in older descriptions, where every listener was the target's IPv4 one) */
  addresses: z.array(z.string()).optional(),
});
export type LabListener = z.infer<typeof LabListener>;

/** One end of the lab's host link: `namespace` is absent for the host's own end. */
export const LabLinkEnd = z.object({ namespace: z.string().optional(), iface: z.string(), address: z.string(), mac: z.string() });
export type LabLinkEnd = z.infer<typeof LabLinkEnd>;

/**
 * The host namespace's own link to the target, as a student's VM has one to the victim's: a second veth
 * on a /30 of its own inside the lab's /24, and a host route to the target's main address through it.
 * A student then scans the target from their own account (connect scans need no privilege, raw scans
 * only CAP_NET_RAW) instead of entering the scanner namespace, which takes root.
 */
export const LabHostLink = z.object({
  subnet: z.string(),
  prefixLength: z.number().int().min(0).max(32),
  host: LabLinkEnd,
  target: LabLinkEnd.extend({ namespace: z.string() }),
  /** the host's route to the target's main address, through `host.iface` */
  route: z.string(),
});
export type LabHostLink = z.infer<typeof LabHostLink>;

/** The lab's Ethernet segment: a Linux bridge in a namespace of its own, one port per host. */
export const LabSegment = z.object({ namespace: z.string(), bridge: z.string() });
export type LabSegment = z.infer<typeof LabSegment>;

/** What `portlab lab status --json` prints: everything the report quotes about the sandbox. */
export const LabDescription = z.object({
  id: z.number().int().min(0).max(255),
  up: z.boolean(),
  subnet: z.string(),
  /** the lab's IPv6 prefix (labs since IPv6; absent in older descriptions) */
  subnet6: z.string().optional(),
  /** the switch joining the hosts (labs since the switch; older ones joined scanner and target by one veth) */
  segment: LabSegment.optional(),
  hosts: z.array(LabHost),
  /** the target's ports */
  ports: z.array(LabPort),
  listeners: z.array(LabListener),
  /** `nft list ruleset` of the target namespace, verbatim */
  ruleset: z.string(),
  /** relevant sysctls of the target, e.g. net.ipv4.icmp_ratelimit */
  sysctls: z.record(z.string(), z.string()),
  /** the host namespace's link to the target (labs since the host link; absent in older descriptions) */
  hostLink: LabHostLink.optional(),
  /** why a lab that is partly there is not `up` (a dead listener, a missing rule); absent when up or fully down */
  problems: z.array(z.string()).optional(),
});
export type LabDescription = z.infer<typeof LabDescription>;

/** An address in one spelling: IPv6 in its long normalized form ("2001:2:0:7:0:0:0:2"), anything else as it is. */
function addressKey(address: string): string {
  return ipaddr.IPv6.isValid(address) ? ipaddr.IPv6.parse(address).toNormalizedString() : address;
}

/** The lab host one of whose addresses (IPv4, IPv6 in any spelling, or a zombie's second one) is `address`. */
export function labHostOf(lab: LabDescription, address: string): LabHost | undefined {
  const wanted = addressKey(address);
  return lab.hosts.find((h) => [h.address, h.address6, h.randomIpIdAddress].some((a) => a !== undefined && addressKey(a) === wanted));
}

/**
 * The lab's truth for a port of the target or of another host that lists ports (the stateless one), over
 * IPv4 or IPv6: a port the host does not list is closed. Undefined for an address of no such host.
 */
export function labTruthAt(lab: LabDescription, address: string, port: number, protocol: Protocol): LabTruth | undefined {
  const host = labHostOf(lab, address);
  const ports = host?.role === 'target' ? lab.ports : host?.ports;
  if (!ports) return undefined;
  return ports.find((p) => p.port === port && p.protocol === protocol)?.truth ?? 'closed';
}
