import type { ExchangePacket, PortResult } from '../src/protocol/scan';
import type { WebviewStrings } from '../src/protocol/webview';
import { endpointText } from '../src/protocol/endpoint';
import { el, type SvgNode } from './svg';

/** Words the diagram prints, translated by the host. */
export type LadderLabels = Pick<WebviewStrings, 'scanner' | 'target' | 'kernel' | 'retry' | 'noAnswer' | 'noPackets' | 'zombie' | 'inferred' | 'spoofed'>;

export const LADDER_WIDTH = 560;
const SCANNER_X = 110;
const TARGET_X = 450;
/**
 * An idle scan's three lifelines: scanner, zombie, target. The target's stands where it does in the
 * two-lifeline ladder: its title, centred on it, needs that margin to show its address and port whole.
 */
const THREE = { scanner: 70, zombie: 260, target: TARGET_X } as const;
const TOP = 48;
const ROW = 46;
// Arrows slant downwards: a packet arrives later than it left, as in textbook ladder diagrams.
const SLANT = 16;

/** "SA", "NULL", "ICMP 3/13", "ICMPv6 1/4", "UDP": the packet's own label, without the kernel marker. */
function packetText(p: ExchangePacket): string {
  if (p.kind === 'tcp') return p.flags ? p.flags : 'NULL';
  if (p.kind === 'icmp') return `${p.ipVersion === 6 ? 'ICMPv6' : 'ICMP'} ${p.icmpType ?? '?'}/${p.icmpCode ?? '?'}`;
  return 'UDP';
}

function formatMs(t: number): string {
  return `${t < 10 ? t.toFixed(2) : t < 1000 ? t.toFixed(1) : t.toFixed(0)} ms`;
}

/** What a ladder is drawn from: a scan's result, a run of a student's program, an exchange of a capture. */
type LadderExchange = Pick<PortResult, 'target' | 'port' | 'exchange'> & { reason?: PortResult['reason'] | undefined };

/** Where each packet's arrow starts and ends, and where the scanner's lifeline stands (times are printed left of it). */
interface Lifelines {
  scannerX: number;
  /** every lifeline's x */
  xs: readonly number[];
  ends(p: ExchangePacket): [number, number];
  /** the scanner sent it with another host's source address (the idle scan's SYN "from the zombie") */
  spoofed(p: ExchangePacket): boolean;
}

/**
 * The third party of an idle scan's exchange: the address the scanner probes besides the target (the
 * zombie); undefined for every other technique, whose packets go between scanner and target only.
 */
function zombieOf(result: LadderExchange): string | undefined {
  return result.exchange.find((p) => p.dir === 'out' && p.dst !== undefined && p.dst !== result.target)?.dst;
}

function lifelines(result: LadderExchange, zombie: string | undefined): Lifelines {
  if (zombie === undefined)
    return {
      scannerX: SCANNER_X,
      xs: [SCANNER_X, TARGET_X],
      ends: (p) => (p.dir === 'out' ? [SCANNER_X, TARGET_X] : [TARGET_X, SCANNER_X]),
      spoofed: () => false,
    };
  const x = (address: string | undefined) => (address === zombie ? THREE.zombie : address === result.target ? THREE.target : THREE.scanner);
  return {
    scannerX: THREE.scanner,
    xs: [THREE.scanner, THREE.zombie, THREE.target],
    // Whatever its source address says, a packet the scanner sent leaves the scanner: the spoofed SYN too.
    ends: (p) => (p.dir === 'out' ? [THREE.scanner, x(p.dst)] : [x(p.src), x(p.dst)]),
    spoofed: (p) => p.dir === 'out' && p.src === zombie,
  };
}

/**
 * The ladder diagram of one port's exchange: a lifeline for the scanner and one for the target,
 * one arrow per packet (left to right when the scanner sent it), labelled with its flags or ICMP
 * type/code and the time since the technique started. Retransmissions are dashed and numbered; a
 * packet the scanner's kernel sent on its own (the RST after a SYN/ACK) is marked; when the scan
 * gave up waiting, the silence is drawn as such. Packets whose frame is in `deviating` (they break the
 * textbook exchange) are marked. An idle scan's exchange gets a third lifeline, the zombie's, between
 * the two: its answers carry their IP ID, the SYN the scanner sent in the zombie's name says so, and
 * what the scanner only infers from the IP ID (the target's SYN/ACK to the zombie, the zombie's RST)
 * is drawn dashed, without a time.
 */
export function buildLadder(result: LadderExchange, labels: LadderLabels, selectedIndex?: number, deviating: ReadonlySet<number> = new Set()): SvgNode {
  const packets = result.exchange;
  const zombie = zombieOf(result);
  const lines = lifelines(result, zombie);
  const silent = result.reason === 'no-response';
  const rows = Math.max(packets.length, 1) + (silent ? 1 : 0);
  const height = TOP + rows * ROW + 24;
  const children: SvgNode[] = [
    el('defs', {}, [
      el('marker', { id: 'arrowhead', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' }, [
        el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }),
      ]),
    ]),
    ...lifeline('scanner', lines.scannerX, labels.scanner, height),
    ...(zombie === undefined ? [] : lifeline('zombie', THREE.zombie, `${labels.zombie} ${zombie}`, height)),
    ...lifeline('target', zombie === undefined ? TARGET_X : THREE.target, `${labels.target} ${endpointText(result.target, result.port)}`, height),
  ];
  if (packets.length === 0)
    children.push(el('text', { class: 'no-packets', x: LADDER_WIDTH / 2, y: TOP + ROW / 2, 'text-anchor': 'middle' }, [], labels.noPackets));
  packets.forEach((p, i) => children.push(packetArrow(p, i, lines, labels, i === selectedIndex, p.frame !== undefined && deviating.has(p.frame))));
  if (silent) {
    const y = TOP + Math.max(packets.length, 1) * ROW + ROW / 2;
    children.push(el('text', { class: 'no-answer', x: TARGET_X, y, 'text-anchor': 'middle' }, [], labels.noAnswer));
  }
  return el(
    'svg',
    { class: 'ladder', xmlns: 'http://www.w3.org/2000/svg', width: LADDER_WIDTH, height, viewBox: `0 0 ${LADDER_WIDTH} ${height}`, role: 'img' },
    children,
  );
}

function lifeline(role: string, x: number, title: string, height: number): SvgNode[] {
  return [
    el('text', { class: 'lifeline-title', x, y: 18, 'text-anchor': 'middle' }, [], title),
    el('line', { class: `lifeline ${role}`, x1: x, y1: 28, x2: x, y2: height - 8 }),
  ];
}

/**
 * Where an arrow's words are centred: its middle, or for an arrow that passes a lifeline on its way (the
 * idle scan's SYN from the scanner to the target, past the zombie's) the middle of its first stretch, so
 * that the lifeline does not run through its flags.
 */
function wordsX(x1: number, x2: number, lines: Lifelines): number {
  const passed = lines.xs.filter((x) => x > Math.min(x1, x2) && x < Math.max(x1, x2)).sort((a, b) => Math.abs(a - x1) - Math.abs(b - x1))[0];
  return (x1 + (passed ?? x2)) / 2;
}

function packetArrow(p: ExchangePacket, index: number, lines: Lifelines, labels: LadderLabels, selected: boolean, deviates: boolean): SvgNode {
  const y = TOP + index * ROW;
  const [x1, x2] = lines.ends(p);
  const textX = wordsX(x1, x2, lines);
  const retry = (p.retry ?? 0) > 0;
  const classes = [
    'packet',
    p.dir,
    p.kind,
    p.kernel ? 'kernel' : '',
    retry ? 'retry' : '',
    p.inferred ? 'inferred' : '',
    selected ? 'selected' : '',
    deviates ? 'deviation' : '',
  ]
    .filter(Boolean)
    .join(' ');
  let label = packetText(p);
  if (retry) label += ` (${labels.retry} ${p.retry})`;
  // The idle scan reads the zombie's IP ID from each of its answers; over IPv6, its atomic fragment header's Identification.
  if (p.ipId !== undefined) label += ` · ${p.ipVersion === 6 ? 'fragment ID' : 'IP ID'} ${p.ipId}`;
  // An ICMP error may come from a router on the way rather than the target itself.
  if (p.dir === 'in' && p.kind === 'icmp') label += ` ${p.src}`;
  const children: SvgNode[] = [
    // A wide transparent band makes the whole row easy to click.
    el('rect', { class: 'hit', x: 0, y: y - 20, width: LADDER_WIDTH, height: ROW - 2 }),
    // Where the packet's frame number is the one the deviation texts cite.
    ...(p.frame === undefined ? [] : [el('text', { class: 'frame', x: LADDER_WIDTH - 4, y: y + SLANT / 2 + 4, 'text-anchor': 'end' }, [], `#${p.frame}`)]),
    el('line', { class: 'arrow', x1, y1: y, x2, y2: y + SLANT, 'marker-end': 'url(#arrowhead)' }),
    el('text', { class: 'label', x: textX, y: y + SLANT * (x2 === x1 ? 0.5 : (textX - x1) / (x2 - x1)) - 6, 'text-anchor': 'middle' }, [], label),
  ];
  // An inferred packet was never on the scanner's wire: it has no time of its own.
  if (!p.inferred)
    children.push(
      el('text', { class: 'time', x: lines.scannerX - 10, y: x1 === lines.scannerX ? y + 4 : y + SLANT + 4, 'text-anchor': 'end' }, [], formatMs(p.t)),
    );
  // Below the arrow, so that it never covers the flags above it.
  const note = p.kernel ? labels.kernel : p.inferred ? labels.inferred : lines.spoofed(p) ? `${labels.spoofed} ${p.src}` : undefined;
  if (note !== undefined)
    children.push(el('text', { class: p.kernel ? 'kernel-note' : 'note', x: textX, y: y + SLANT + 14, 'text-anchor': 'middle' }, [], note));
  return el('g', { class: classes, 'data-index': index, tabindex: 0 }, children);
}
