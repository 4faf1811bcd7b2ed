import type { PacketHeaders } from '../src/protocol/webview';
import { element, type Translate } from './dom';
import { buildHeaderDiagram } from './header-diagram';
import type { LadderLabels } from './ladder';
import { toDom, type SvgNode } from './svg';

/** The ladder's words in the page's language. */
export function ladderLabels(t: Translate): LadderLabels {
  return {
    scanner: t('scanner'),
    target: t('target'),
    kernel: t('kernel'),
    retry: t('retry'),
    noAnswer: t('noAnswer'),
    noPackets: t('noPackets'),
    zombie: t('zombie'),
    inferred: t('inferred'),
    spoofed: t('spoofed'),
  };
}

/** A ladder diagram in its box; a click on an arrow picks that packet (its index in the exchange). */
export function ladderBox(ladder: SvgNode, t: Translate, onPick: (index: number) => void): HTMLElement {
  const svg = toDom(ladder, document);
  svg.addEventListener('click', (ev) => {
    const g = (ev.target as Element).closest('g.packet');
    if (g) onPick(Number(g.getAttribute('data-index')));
  });
  const box = element('div', { class: 'diagram ladder-box', 'aria-label': t('ladder') });
  box.appendChild(svg);
  return box;
}

/** The chosen packet's header diagram in its box, why it has none, or a hint to choose one. */
export function headerBox(headers: PacketHeaders | undefined, t: Translate, id: string): HTMLElement {
  const box = element('div', { class: 'diagram header-box', id });
  if (headers && 'layers' in headers) box.appendChild(toDom(buildHeaderDiagram(headers.layers), document));
  else box.appendChild(element('p', { class: 'hint' }, headers ? headers.error : t('selectPacket')));
  return box;
}

/**
 * The ladder (with what a page says under it) and the header diagram as one pair: a wide panel shows the
 * header diagram beside the ladder, where it is seen without scrolling; a narrow one below it (the
 * breakpoint is in media/results.css).
 */
export function diagramPair(t: Translate, ladder: readonly HTMLElement[], headers: HTMLElement): HTMLElement {
  const pair = element('div', { class: 'diagram-pair' });
  const ladderColumn = element('div', { class: 'diagram-column ladder-column' });
  ladderColumn.append(element('h3', {}, t('ladder')), ...ladder);
  const headerColumn = element('div', { class: 'diagram-column header-column' });
  headerColumn.append(element('h3', {}, t('headers')), headers);
  pair.append(ladderColumn, headerColumn);
  return pair;
}
