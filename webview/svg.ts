/**
 * A tiny SVG tree: the diagram builders return this instead of DOM nodes so that they stay pure
 * functions that unit tests can inspect without a browser.
 */
export interface SvgNode {
  tag: string;
  attrs: Record<string, string | number>;
  children: SvgNode[];
  text?: string;
}

export function el(tag: string, attrs: Record<string, string | number | undefined> = {}, children: SvgNode[] = [], text?: string): SvgNode {
  const clean: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) clean[k] = v;
  return text === undefined ? { tag, attrs: clean, children } : { tag, attrs: clean, children, text };
}

/** Every node below (and including) root, depth first. */
export function walk(root: SvgNode): SvgNode[] {
  return [root, ...root.children.flatMap(walk)];
}

export function hasClass(node: SvgNode, cls: string): boolean {
  return String(node.attrs.class ?? '')
    .split(' ')
    .includes(cls);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Builds real DOM nodes; textContent, never innerHTML, so packet contents cannot inject markup. */
export function toDom(node: SvgNode, doc: Document): SVGElement {
  const element = doc.createElementNS(SVG_NS, node.tag);
  for (const [k, v] of Object.entries(node.attrs)) element.setAttribute(k, String(v));
  if (node.text !== undefined) element.textContent = node.text;
  for (const child of node.children) element.appendChild(toDom(child, doc));
  return element;
}
