import type { ExchangePacket, PortResult } from '../src/protocol/scan';
import type { WebviewStrings } from '../src/protocol/webview';
import { el, type SvgNode } from './svg';

/** Words the diagram prints, translated by the host. */
export type LadderLabels = Pick<WebviewStrings, 'scanner' | 'target' | 'kernel' | 'retry' | 'noAnswer' | 'noPackets'>;

export const LADDER_WIDTH = 560;
const SCANNER_X = 110;
const TARGET_X = 450;
const TOP = 48;
const ROW = 46;
// Arrows slant downwards: a packet arrives later than it left, as in textbook ladder diagrams.
const SLANT = 16;

/** "SA", "NULL", "ICMP 3/13", "UDP": the packet's own label, without the kernel marker. */
function packetText(p: ExchangePacket): string {
  if (p.kind === 'tcp') return p.flags ? p.flags : 'NULL';
  if (p.kind === 'icmp') return `ICMP ${p.icmpType ?? '?'}/${p.icmpCode ?? '?'}`;
  return 'UDP';
}

function formatMs(t: number): string {
  return `${t < 10 ? t.toFixed(2) : t < 1000 ? t.toFixed(1) : t.toFixed(0)} ms`;
}

/** What a ladder is drawn from: a scan's result, a run of a student's program, an exchange of a capture. */
type LadderExchange = Pick<PortResult, 'target' | 'port' | 'exchange'> & { reason?: PortResult['reason'] | undefined };

/**
 * The ladder diagram of one port's exchange: a lifeline for the scanner and one for the target,
 * one arrow per packet (left to right when the scanner sent it), labelled with its flags or ICMP
 * type/code and the time since the technique started. Retransmissions are dashed and numbered; a
 * packet the scanner's kernel sent on its own (the RST after a SYN/ACK) is marked; when the scan
 * gave up waiting, the silence is drawn as such. Packets whose frame is in `deviating` (they break the
 * textbook exchange) are marked.
 */
export function buildLadder(result: LadderExchange, labels: LadderLabels, selectedIndex?: number, deviating: ReadonlySet<number> = new Set()): SvgNode {
  const packets = result.exchange;
  const silent = result.reason === 'no-response';
  const rows = Math.max(packets.length, 1) + (silent ? 1 : 0);
  const height = TOP + rows * ROW + 24;
  const children: SvgNode[] = [
    el('defs', {}, [
      el('marker', { id: 'arrowhead', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' }, [
        el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }),
      ]),
    ]),
    el('text', { class: 'lifeline-title', x: SCANNER_X, y: 18, 'text-anchor': 'middle' }, [], labels.scanner),
    el('text', { class: 'lifeline-title', x: TARGET_X, y: 18, 'text-anchor': 'middle' }, [], `${labels.target} ${result.target}:${result.port}`),
    el('line', { class: 'lifeline scanner', x1: SCANNER_X, y1: 28, x2: SCANNER_X, y2: height - 8 }),
    el('line', { class: 'lifeline target', x1: TARGET_X, y1: 28, x2: TARGET_X, y2: height - 8 }),
  ];
  if (packets.length === 0)
    children.push(el('text', { class: 'no-packets', x: LADDER_WIDTH / 2, y: TOP + ROW / 2, 'text-anchor': 'middle' }, [], labels.noPackets));
  packets.forEach((p, i) => children.push(packetArrow(p, i, labels, i === selectedIndex, p.frame !== undefined && deviating.has(p.frame))));
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

function packetArrow(p: ExchangePacket, index: number, labels: LadderLabels, selected: boolean, deviates: boolean): SvgNode {
  const y = TOP + index * ROW;
  const out = p.dir === 'out';
  const [x1, x2] = out ? [SCANNER_X, TARGET_X] : [TARGET_X, SCANNER_X];
  const retry = (p.retry ?? 0) > 0;
  const classes = ['packet', p.dir, p.kind, p.kernel ? 'kernel' : '', retry ? 'retry' : '', selected ? 'selected' : '', deviates ? 'deviation' : '']
    .filter(Boolean)
    .join(' ');
  let label = packetText(p);
  if (retry) label += ` (${labels.retry} ${p.retry})`;
  // An ICMP error may come from a router on the way rather than the target itself.
  if (p.dir === 'in' && p.kind === 'icmp') label += ` ${p.src}`;
  const children: SvgNode[] = [
    // A wide transparent band makes the whole row easy to click.
    el('rect', { class: 'hit', x: 0, y: y - 20, width: LADDER_WIDTH, height: ROW - 2 }),
    // Where the packet's frame number is the one the deviation texts cite.
    ...(p.frame === undefined ? [] : [el('text', { class: 'frame', x: LADDER_WIDTH - 4, y: y + SLANT / 2 + 4, 'text-anchor': 'end' }, [], `#${p.frame}`)]),
    el('line', { class: 'arrow', x1, y1: y, x2, y2: y + SLANT, 'marker-end': 'url(#arrowhead)' }),
    el('text', { class: 'label', x: (SCANNER_X + TARGET_X) / 2, y: y + SLANT / 2 - 6, 'text-anchor': 'middle' }, [], label),
    el('text', { class: 'time', x: SCANNER_X - 10, y: out ? y + 4 : y + SLANT + 4, 'text-anchor': 'end' }, [], formatMs(p.t)),
  ];
  // Below the arrow, so that it never covers the flags above it.
  if (p.kernel)
    children.push(el('text', { class: 'kernel-note', x: (SCANNER_X + TARGET_X) / 2, y: y + SLANT + 14, 'text-anchor': 'middle' }, [], labels.kernel));
  return el('g', { class: classes, 'data-index': index, tabindex: 0 }, children);
}
