import { z } from 'zod';
import { type PortResult, Technique } from './scan';

/**
 * Messages between the results webview and the extension host. The webview is untrusted input to
 * the host, so everything it sends has a schema; what the host sends is typed only.
 */

/** Identifies one row of the results table. */
export const ResultKey = z.strictObject({
  technique: Technique,
  target: z.string().max(255),
  port: z.number().int().min(0).max(65535),
});
export type ResultKey = z.infer<typeof ResultKey>;

/** A result's key as one string, "syn/198.18.0.2/22": the table row's data-key, and a map key on both sides. */
export function resultKeyString(k: ResultKey): string {
  return `${k.technique}/${k.target}/${k.port}`;
}

/** One field of a protocol header, in wire order; `bits` wide. Rows of the diagram are 32 bits. */
export interface HeaderField {
  name: string;
  bits: number;
  /** the value as the diagram prints it, e.g. "0x4a1f", "198.18.51.2", "64" */
  value: string;
  /** a one-bit flag that is set: drawn highlighted */
  set?: boolean;
}

/** One header of a packet (IPv4, TCP, UDP, ICMP), decoded by the host from the capture. */
export interface HeaderLayer {
  name: 'IPv4' | 'TCP' | 'UDP' | 'ICMP';
  fields: HeaderField[];
}

export const SortColumn = z.enum(['technique', 'port', 'state', 'reason', 'exchange']);
export type SortColumn = z.infer<typeof SortColumn>;

/** What the webview keeps across reloads (vscode.setState) and the serializer hands back. */
export const ResultsViewState = z.object({
  selected: ResultKey.optional(),
  packetIndex: z.number().int().nonnegative().optional(),
  filter: z.string().max(200).optional(),
  sort: z.object({ column: SortColumn, descending: z.boolean() }).optional(),
});
export type ResultsViewState = z.infer<typeof ResultsViewState>;

export type HostToWebview =
  /** `replace`: these are all the results; else they are added to (or update) those the webview holds */
  | { type: 'results'; replace: boolean; results: PortResult[]; l10n: Record<string, string>; select?: ResultKey }
  | { type: 'packet'; key: ResultKey; index: number; layers: HeaderLayer[] }
  | { type: 'packetError'; key: ResultKey; index: number; message: string };

export const WebviewToHost = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({ type: z.literal('selectPacket'), key: ResultKey, index: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal('openCapture'), key: ResultKey }),
]);
export type WebviewToHost = z.infer<typeof WebviewToHost>;
