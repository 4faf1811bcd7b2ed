import { z } from 'zod';
import type { CaptureAnalysisDocument } from './analysis';
import type { CheckDocument } from './check';
import { type ExchangePacket, type PortResult, type PortState, Technique } from './scan';

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

/**
 * nmap hides a non-open state of a host when it holds more than this many ports. The rule lives with the
 * webview's protocol because the results table (browser code, which may import only the protocol) folds
 * its rows by it, as nmap's -oN and the Targets tree do.
 */
export const MAX_SHOWN_PER_STATE = 25;

/** The states nmap folds into its "Not shown" line (and <extraports>): not open, more than 25 ports. */
export function foldedStates(results: Iterable<Pick<PortResult, 'state'>>): Set<PortState> {
  const counts = new Map<PortState, number>();
  for (const r of results) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  return foldedStatesOfCounts(counts);
}

/** foldedStates from how many ports are in each state. */
export function foldedStatesOfCounts(counts: ReadonlyMap<PortState, number>): Set<PortState> {
  return new Set([...counts].filter(([state, n]) => state !== 'open' && n > MAX_SHOWN_PER_STATE).map(([state]) => state));
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
  name: 'IPv4' | 'IPv6' | 'TCP' | 'UDP' | 'ICMP' | 'ICMPv6';
  fields: HeaderField[];
}

export const SortColumn = z.enum(['technique', 'target', 'port', 'state', 'reason', 'exchange']);
export type SortColumn = z.infer<typeof SortColumn>;

/** Identifies one case of a check: one run of the program, on one port with one technique. */
export const CheckCaseKey = z.strictObject({
  technique: Technique,
  port: z.number().int().min(1).max(65535),
});
export type CheckCaseKey = z.infer<typeof CheckCaseKey>;

/** The results panel shows a scan's results or the last check of a student's program. */
export const ResultsPage = z.enum(['scan', 'check']);
export type ResultsPage = z.infer<typeof ResultsPage>;

/** What the webview keeps across reloads (vscode.setState) and the serializer hands back. */
export const ResultsViewState = z.object({
  selected: ResultKey.optional(),
  packetIndex: z.number().int().nonnegative().optional(),
  filter: z.string().max(200).optional(),
  sort: z.object({ column: SortColumn, descending: z.boolean() }).optional(),
  /** the folded rows (nmap's "Not shown") the student opened, by foldKey */
  expanded: z.array(z.string().max(300)).max(1000).optional(),
  page: ResultsPage.optional(),
  checkSelected: CheckCaseKey.optional(),
  checkPacketIndex: z.number().int().nonnegative().optional(),
});
export type ResultsViewState = z.infer<typeof ResultsViewState>;

/**
 * Every string the webview prints, by key. The host translates them (the webview has no vscode.l10n)
 * and sends them once, in its reply to `ready`; "{0}" in a string is filled in by the webview.
 */
export type WebviewStringKey =
  | 'filter'
  | 'allStates'
  | Exclude<SortColumn, 'target'>
  | 'targetColumn'
  | 'notShownRow'
  | 'foldShow'
  | 'foldHide'
  | 'empty'
  | 'selectRow'
  | 'selectPacket'
  | 'scanner'
  | 'target'
  | 'kernel'
  | 'retry'
  | 'noAnswer'
  | 'noPackets'
  | 'zombie'
  | 'inferred'
  | 'spoofed'
  | 'ladder'
  | 'headers'
  | 'openCapture'
  | 'shown'
  | 'truncated'
  | CheckStringKey
  | CaptureStringKey;
export type WebviewStrings = Readonly<Record<WebviewStringKey, string>>;

/** The words of the check page of the results panel ("your program vs truth"). */
export type CheckStringKey =
  | 'scanPage'
  | 'checkPage'
  | 'checkHeading'
  | 'checkSummary'
  | 'checkPartial'
  | 'truth'
  | 'expected'
  | 'programSaid'
  | 'verdict'
  | 'deviations'
  | 'truthOpen'
  | 'truthClosed'
  | 'truthDrop'
  | 'truthReject'
  | 'truthSyn'
  | 'resultCorrect'
  | 'resultWrong'
  | 'resultNoVerdict'
  | 'resultCrashed'
  | 'resultTimedOut'
  | 'saidNothing'
  | 'saidExitCode'
  | 'saidSignal'
  | 'saidTimedOut'
  | 'withFrame'
  | 'withFrames'
  | 'programOutput'
  | 'selectCase'
  | 'deviationLegend';

/** The words of the capture editor. */
export type CaptureStringKey =
  | 'captureSummary'
  | 'captureStopped'
  | 'captureUnsupported'
  | 'captureUnattributed'
  | 'captureUnreadable'
  | 'crossTechnique'
  | 'noExchanges'
  | 'exchanges'
  | 'observed'
  | 'textbook'
  | 'textbookMatches'
  | 'textbookDiffers'
  | 'unknownTechnique'
  | 'selectExchange';

/**
 * A request carries a `messageId`, fresh for each request the webview makes; the host's reply names it
 * in `inReplyTo`, so that the webview can tell which of its requests a reply answers.
 */
const MessageId = z.number().int().nonnegative();

/** The headers of a requested packet, or why they cannot be shown. */
export type PacketHeaders = { layers: HeaderLayer[] } | { error: string };

export type HostToWebview =
  /** the reply to `ready` */
  | { type: 'strings'; inReplyTo: number; strings: WebviewStrings }
  /** `replace`: these are all the results; else they are added to (or update) those the webview holds */
  | { type: 'results'; replace: boolean; results: PortResult[]; select?: ResultKey }
  /** the reply to `selectPacket` or `selectCheckPacket` */
  | { type: 'packet'; inReplyTo: number; headers: PacketHeaders }
  /** the last check of a student's program; shown on the check page */
  | { type: 'check'; check: CheckView; show: boolean };

/** A check of a student's program as the results panel shows it. */
export interface CheckView {
  /** new for each check, so that a request about an older check is not answered from a newer one */
  id: number;
  /** the program's file name */
  program: string;
  document: CheckDocument;
  /** stopped before every port was run: the cases are those that ended */
  partial: boolean;
}

export const ReadyRequest = z.strictObject({ type: z.literal('ready'), messageId: MessageId });
export type ReadyRequest = z.infer<typeof ReadyRequest>;

export const SelectPacketRequest = z.strictObject({
  type: z.literal('selectPacket'),
  messageId: MessageId,
  key: ResultKey,
  index: z.number().int().nonnegative(),
});
export type SelectPacketRequest = z.infer<typeof SelectPacketRequest>;

const CheckId = z.number().int().nonnegative();

export const SelectCheckPacketRequest = z.strictObject({
  type: z.literal('selectCheckPacket'),
  messageId: MessageId,
  checkId: CheckId,
  key: CheckCaseKey,
  index: z.number().int().nonnegative(),
});
export type SelectCheckPacketRequest = z.infer<typeof SelectCheckPacketRequest>;

export const WebviewToHost = z.discriminatedUnion('type', [
  ReadyRequest,
  SelectPacketRequest,
  z.strictObject({ type: z.literal('openCapture'), key: ResultKey }),
  SelectCheckPacketRequest,
  /** opens the run's capture in the capture editor */
  z.strictObject({ type: z.literal('openCheckCapture'), checkId: CheckId, key: CheckCaseKey }),
]);
export type WebviewToHost = z.infer<typeof WebviewToHost>;

/**
 * The capture editor's content: the analysis of the file, and each exchange's packets for its ladder
 * (in the order of `analysis.exchanges`).
 */
export interface CaptureView {
  analysis: CaptureAnalysisDocument;
  ladders: ExchangePacket[][];
}

export type CaptureHostToWebview =
  /** the reply to `ready` */
  | { type: 'strings'; inReplyTo: number; strings: WebviewStrings }
  /** what the file holds, or the one line that says why it cannot be read */
  | { type: 'capture'; view: CaptureView }
  | { type: 'captureError'; error: string }
  /** the reply to `selectFrame` */
  | { type: 'packet'; inReplyTo: number; headers: PacketHeaders };

export const SelectFrameRequest = z.strictObject({
  type: z.literal('selectFrame'),
  messageId: MessageId,
  /** 1-based, as the analysis numbers the packets of the file */
  frame: z.number().int().positive(),
});
export type SelectFrameRequest = z.infer<typeof SelectFrameRequest>;

export const CaptureWebviewToHost = z.discriminatedUnion('type', [ReadyRequest, SelectFrameRequest]);
export type CaptureWebviewToHost = z.infer<typeof CaptureWebviewToHost>;

/** What the capture editor's webview keeps across reloads: the exchange and the packet shown. */
export const CaptureViewState = z.object({
  exchange: z.number().int().nonnegative().optional(),
  packetIndex: z.number().int().nonnegative().optional(),
});
export type CaptureViewState = z.infer<typeof CaptureViewState>;
