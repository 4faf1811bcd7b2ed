import { z } from 'zod';
import { LabDescription } from './lab';
import { PortResult, ScanProgress, ScanSummary, Technique, TECHNIQUES } from './scan';

/**
 * The helper's JSON-RPC surface (vscode-jsonrpc over stdio). Requests carry a schema for their
 * params and their result; the helper validates every request's params before acting on it.
 * Bump PROTOCOL_VERSION on any incompatible change: `hello` rejects a mismatched client.
 * A running `discover` stops at JSON-RPC's own `$/cancelRequest` notification (`{ id }` of the
 * request), as vscode-jsonrpc sends it when a request's cancellation token fires; it then answers
 * with an error. Scans, which answer at once and report by events, stop with `scan.cancel`.
 */
export const PROTOCOL_VERSION = 2;

const LabId = z.number().int().min(0).max(255);

/** A Linux interface name: at most 15 bytes, no '/', whitespace or ':' and not '.' or '..' (dev_valid_name). */
const InterfaceName = z.string().regex(/^(?!\.\.?$)[^\s/:]{1,15}$/, 'not an interface name');

/**
 * JSON-RPC error codes the helper answers with, besides the standard ones (-32700 parse error,
 * -32600 invalid request, -32601 method not found, -32602 invalid params).
 */
export const RpcErrorCode = {
  /** a request other than `hello` before the handshake */
  notInitialized: -32002,
  /** `hello` with a protocolVersion this helper does not speak */
  versionMismatch: -32010,
  /** too many scans running at once */
  busy: -32011,
  /** something the user can fix: a target out of scope, an unknown interface, a lab that is down */
  userError: -32012,
  /** a lab request to a scan helper, or a scan request to a lab helper (`helper --lab`) */
  wrongRole: -32013,
  /** the helper failed; the message says how */
  internal: -32603,
} as const;

export const HelloParams = z.strictObject({ protocolVersion: z.number().int(), client: z.string().max(200) });
export const HelloResult = z.object({
  protocolVersion: z.number().int(),
  helperVersion: z.string(),
  pid: z.number().int(),
  /** whether the helper can open raw sockets / capture (CAP_NET_RAW) */
  rawSockets: z.boolean(),
  /** the one directory under which the helper writes captures */
  captureDir: z.string(),
  /** network namespace the helper runs in, when not the host's */
  netns: z.string().optional(),
});

export const InterfaceInfo = z.object({
  name: z.string(),
  addresses: z.array(z.object({ address: z.string(), prefixLength: z.number().int() })),
  mac: z.string().optional(),
  up: z.boolean(),
  linkType: z.string(),
});
export type InterfaceInfo = z.infer<typeof InterfaceInfo>;

export const DiscoverParams = z.strictObject({
  /** a CIDR, a range (198.18.0.1-20) or an address; IPv6: a CIDR (at most a /112's addresses) or an address */
  targets: z.string().min(1).max(100),
  allowTargets: z.array(z.string().max(50)).max(16).optional(),
  iface: InterfaceName.optional(),
});
export const DiscoveredHost = z.object({
  address: z.string(),
  mac: z.string().optional(),
  rttMs: z.number().nonnegative(),
  /** how it answered: ARP (IPv4) or neighbour discovery (IPv6, `nd`) on the local link; ICMP or ICMPv6 echo, TCP beyond it */
  method: z.enum(['arp', 'nd', 'icmp-echo', 'tcp-syn-443', 'tcp-ack-80', 'localhost']),
});
export type DiscoveredHost = z.infer<typeof DiscoveredHost>;

export const ScanStartParams = z.strictObject({
  targets: z.array(z.string().min(1).max(255)).min(1).max(256),
  /** nmap port syntax: "22", "22-29", "7,53-87", "-" */
  ports: z.string().min(1).max(2000),
  techniques: z.array(Technique).min(1).max(TECHNIQUES.length),
  rate: z.number().positive().max(10_000_000).optional(),
  maxRetries: z.number().int().min(0).max(50).optional(),
  iface: InterfaceName.optional(),
  /** --source-ips: unused addresses of the local subnet, as a range ("198.18.5.100-107", a CIDR, comma-separated) */
  sourceIps: z.string().min(1).max(200).optional(),
  allowTargets: z.array(z.string().max(50)).max(16).optional(),
  /** the idle scan's zombie as typed after -sI: "HOST" or "HOST:PROBEPORT" */
  zombie: z.string().min(1).max(261).optional(),
});
export type ScanStartParams = z.infer<typeof ScanStartParams>;
export const ScanStartResult = z.object({ scanId: z.string(), captureDir: z.string() });

export const ScanCancelParams = z.strictObject({ scanId: z.string().min(1).max(100) });
export const ScanCancelResult = z.object({ cancelled: z.boolean() });

export const LabParams = z.strictObject({ id: LabId.optional() });
export const LabDownResult = z.object({ removed: z.boolean() });

/**
 * The ports a scan decided since its last scan.ports (in the order it decided them): the helper sends
 * one batch every few milliseconds rather than one message per port, and every batch of a scan
 * before its scan.progress and scan.done.
 */
export const ScanPortsEvent = z.object({ scanId: z.string(), results: z.array(PortResult) });

/** Requests: method name → params and result schemas. */
export const REQUESTS = {
  hello: { params: HelloParams, result: HelloResult },
  interfaces: { params: z.strictObject({}), result: z.array(InterfaceInfo) },
  discover: { params: DiscoverParams, result: z.array(DiscoveredHost) },
  'scan.start': { params: ScanStartParams, result: ScanStartResult },
  'scan.cancel': { params: ScanCancelParams, result: ScanCancelResult },
  'lab.up': { params: LabParams, result: LabDescription },
  'lab.down': { params: LabParams, result: LabDownResult },
  'lab.status': { params: LabParams, result: LabDescription },
} as const;
export type RequestMethod = keyof typeof REQUESTS;

/** Notifications from the helper to its client. */
export const EVENTS = {
  'scan.progress': ScanProgress,
  'scan.ports': ScanPortsEvent,
  'scan.done': ScanSummary,
} as const;
export type EventMethod = keyof typeof EVENTS;
