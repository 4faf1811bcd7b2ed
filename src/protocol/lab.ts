import { z } from 'zod';
import { Protocol } from './scan';

/** How the lab made a port be in its state. */
export const LabTruth = z.enum(['open', 'closed', 'filtered-drop', 'filtered-reject']);
export type LabTruth = z.infer<typeof LabTruth>;

export const LabHost = z.object({
  role: z.enum(['scanner', 'target']),
  namespace: z.string(),
  iface: z.string(),
  address: z.string(),
  prefixLength: z.number().int().min(0).max(32),
  mac: z.string(),
});
export type LabHost = z.infer<typeof LabHost>;

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

export const LabListener = z.object({
  protocol: Protocol,
  port: z.number().int().min(1).max(65535),
  program: z.string(),
  pid: z.number().int().positive(),
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

/** What `portlab lab status --json` prints: everything the report quotes about the sandbox. */
export const LabDescription = z.object({
  id: z.number().int().min(0).max(255),
  up: z.boolean(),
  subnet: z.string(),
  hosts: z.array(LabHost),
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
