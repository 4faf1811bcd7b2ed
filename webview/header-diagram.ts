import type { HeaderLayer } from '../src/protocol/webview';
import { el, type SvgNode } from './svg';

export const BIT_WIDTH = 22;
const LEFT = 8;
const ROW_HEIGHT = 40;
const RULER = 28;
const TITLE = 22;
export const HEADER_WIDTH = LEFT * 2 + 32 * BIT_WIDTH;

/**
 * RFC-style header diagram: each layer drawn as rows of 32 bits under a bit ruler, every field a
 * box as wide as its bits holding its name and value; a field that runs past a row's end continues
 * on the next, except one that fills whole rows (an IPv6 address: four), drawn as one box as tall
 * as its rows, as RFC 8200 draws it. One-bit flags that are set are highlighted.
 */
export function buildHeaderDiagram(layers: readonly HeaderLayer[]): SvgNode {
  const children: SvgNode[] = [ruler()];
  let y = RULER;
  for (const layer of layers) {
    const { node, height } = layerNode(layer, y);
    children.push(node);
    y += height;
  }
  const height = y + 4;
  return el(
    'svg',
    { class: 'header-diagram', xmlns: 'http://www.w3.org/2000/svg', width: HEADER_WIDTH, height, viewBox: `0 0 ${HEADER_WIDTH} ${height}`, role: 'img' },
    children,
  );
}

function ruler(): SvgNode {
  const ticks: SvgNode[] = [];
  for (let bit = 0; bit < 32; bit++) {
    const x = LEFT + bit * BIT_WIDTH + BIT_WIDTH / 2;
    ticks.push(el('text', { class: bit % 8 === 0 ? 'bit major' : 'bit', x, y: 18, 'text-anchor': 'middle' }, [], String(bit)));
  }
  return el('g', { class: 'ruler' }, ticks);
}

function layerNode(layer: HeaderLayer, top: number): { node: SvgNode; height: number } {
  const boxes: SvgNode[] = [el('text', { class: 'layer-title', x: LEFT, y: top + 16 }, [], layer.name)];
  const rowsTop = top + TITLE;
  let bit = 0;
  for (const field of layer.fields) {
    let remaining = field.bits;
    let part = 0;
    while (remaining > 0) {
      const row = Math.floor(bit / 32);
      const col = bit % 32;
      const wholeRows = col === 0 && part === 0 && remaining > 32 && remaining % 32 === 0 ? remaining / 32 : 1;
      const width = wholeRows > 1 ? 32 : Math.min(remaining, 32 - col);
      const x = LEFT + col * BIT_WIDTH;
      const y = rowsTop + row * ROW_HEIGHT;
      const w = width * BIT_WIDTH;
      const h = wholeRows * ROW_HEIGHT;
      // name and value in the middle of a tall box, one line apart as in a row's
      const middle = y + (h - ROW_HEIGHT) / 2;
      const flag = field.bits === 1;
      const classes = ['field', flag ? 'flag' : '', field.set ? 'set' : '', part > 0 ? 'continued' : ''].filter(Boolean).join(' ');
      // Only the first piece of a split field carries the text; the rest say they continue it.
      const name = part === 0 ? field.name : `${field.name} …`;
      boxes.push(
        el('g', { class: classes, 'data-field': field.name }, [
          el('rect', { x, y, width: w, height: h }),
          el('text', { class: 'name', x: x + w / 2, y: middle + 15, 'text-anchor': 'middle' }, [], fit(name, width)),
          el('text', { class: 'value', x: x + w / 2, y: middle + 32, 'text-anchor': 'middle' }, [], part === 0 ? fit(field.value, width) : ''),
        ]),
      );
      bit += width * wholeRows;
      remaining -= width * wholeRows;
      part++;
    }
  }
  const rows = Math.ceil(bit / 32);
  return { node: el('g', { class: 'layer', 'data-layer': layer.name }, boxes), height: TITLE + rows * ROW_HEIGHT + 8 };
}

/** Shortens text to what fits in `bits` columns (about 3.3 characters per bit-column pair). */
function fit(text: string, bits: number): string {
  const max = Math.max(1, Math.floor((bits * BIT_WIDTH) / 6.5));
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}
