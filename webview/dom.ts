import type { WebviewStringKey, WebviewStrings } from '../src/protocol/webview';

/** A string of the host's translations with its "{0}"s filled in; the key itself until they arrive. */
export type Translate = (key: WebviewStringKey, ...args: (string | number)[]) => string;

export function translator(strings: () => WebviewStrings | undefined): Translate {
  return (key, ...args) => (strings()?.[key] ?? key).replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));
}

/** An HTML element; text goes in as textContent, never as markup. */
export function element(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Calls `activate` with the element clicked, or focused when Enter or Space is pressed: rows act as buttons. */
export function onActivate(target: HTMLElement, activate: (el: Element | null) => void): void {
  target.addEventListener('click', (ev) => activate(ev.target instanceof Element ? ev.target : null));
  target.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    ev.preventDefault();
    activate(ev.target instanceof Element ? ev.target : null);
  });
}
