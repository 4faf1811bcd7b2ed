import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { formatExchange, PORT_STATES, TECHNIQUES, type PortResult } from '../src/protocol/scan';
import {
  resultKeyString,
  type HeaderLayer,
  type HostToWebview,
  type ResultKey,
  type ResultsViewState,
  type SortColumn,
  type WebviewToHost,
} from '../src/protocol/webview';
import { buildHeaderDiagram } from './header-diagram';
import { buildLadder } from './ladder';
import { toDom } from './svg';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): ResultsViewState | undefined;
  setState(state: ResultsViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const state: ResultsViewState = vscode.getState() ?? {};
const byKey = new Map<string, PortResult>();
let results: PortResult[] = [];
let strings: Record<string, string> = {};
let stateFilter = '';
let packet: { key: ResultKey; index: number; layers?: HeaderLayer[]; error?: string } | undefined;

/**
 * Rows the table builds at most: a full-range scan's 65,535 rows took the webview's renderer (and with it
 * the whole window) seconds per redraw while results streamed in.
 */
const MAX_TABLE_ROWS = 1000;

const app = document.getElementById('app')!;
const t = (key: string, ...args: (string | number)[]) => (strings[key] ?? key).replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));
const sameKey = (a: ResultKey | undefined, r: PortResult) => !!a && a.technique === r.technique && a.target === r.target && a.port === r.port;
const keyOf = (r: PortResult): ResultKey => ({ technique: r.technique, target: r.target, port: r.port });

function save(): void {
  vscode.setState(state);
}

function element(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const columns: { id: SortColumn; value(r: PortResult): string | number }[] = [
  { id: 'technique', value: (r) => TECHNIQUES.indexOf(r.technique) },
  { id: 'port', value: (r) => r.port },
  { id: 'state', value: (r) => PORT_STATES.indexOf(r.state) },
  { id: 'reason', value: (r) => r.reason },
  { id: 'exchange', value: (r) => formatExchange(r.exchange) },
];

/** Whether the state menu and the filter words let `r` through. */
function matchesFilter(r: PortResult, words = filterWords()): boolean {
  if (stateFilter && r.state !== stateFilter) return false;
  const hay = `${r.technique} ${r.target} ${r.port}/${r.protocol} ${r.service ?? ''} ${r.state} ${r.reason} ${formatExchange(r.exchange)}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

function filterWords(): string[] {
  return (state.filter ?? '').toLowerCase().split(/\s+/).filter(Boolean);
}

function visibleRows(): PortResult[] {
  const words = filterWords();
  const rows = results.filter((r) => matchesFilter(r, words));
  const sort = state.sort ?? { column: 'port', descending: false };
  const col = columns.find((c) => c.id === sort.column)!;
  return rows.sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    const c = x < y ? -1 : x > y ? 1 : a.port - b.port || TECHNIQUES.indexOf(a.technique) - TECHNIQUES.indexOf(b.technique);
    return sort.descending ? -c : c;
  });
}

function render(): void {
  app.replaceChildren(toolbar(), tableOrEmpty(), details());
}

function toolbar(): HTMLElement {
  const bar = element('div', { class: 'toolbar' });
  const filter = element('vscode-textfield', { placeholder: t('filter'), id: 'filter' }) as HTMLElement & { value: string };
  filter.value = state.filter ?? '';
  filter.addEventListener('input', () => {
    state.filter = filter.value;
    save();
    redrawTable();
  });
  const select = element('vscode-single-select', { id: 'state-filter' }) as HTMLElement & { value: string };
  for (const [value, label] of [['', t('allStates')], ...PORT_STATES.map((s) => [s, s])] as [string, string][]) {
    const option = element('vscode-option', { value }, label);
    if (value === stateFilter) option.setAttribute('selected', '');
    select.appendChild(option);
  }
  select.addEventListener('change', () => {
    stateFilter = select.value;
    redrawTable();
  });
  bar.append(filter, select, element('span', { class: 'count', id: 'count' }));
  queueMicrotask(() => updateCount(visibleRows()));
  return bar;
}

function updateCount(rows: readonly PortResult[]): void {
  const count = document.getElementById('count');
  if (count) count.textContent = t('shown', rows.length, results.length);
}

/** What the table's rows were last built from: a batch of results that leaves them as they were changes only the count. */
let builtRows = '';

function rowsSignature(rows: readonly PortResult[]): string {
  return `${JSON.stringify(state.sort)}\n${rows.map((r) => `${resultKeyString(r)} ${r.state} ${r.reason} ${formatExchange(r.exchange)}`).join('\n')}`;
}

/**
 * Brings the table up to date with the results, the filter and the sort. While a port-ordered scan
 * streams in, the first 1000 rows are soon final: the rows are then kept and only the counts change.
 */
function redrawTable(): void {
  const rows = visibleRows();
  const current = document.getElementById('results-table');
  const signature = rowsSignature(rows.slice(0, MAX_TABLE_ROWS));
  if (current && signature === builtRows) {
    current.querySelector('.truncated')?.remove();
    if (rows.length > MAX_TABLE_ROWS) current.appendChild(truncatedHint(rows.length));
  } else current?.replaceWith(table(rows, signature));
  updateCount(rows);
}

function truncatedHint(rows: number): HTMLElement {
  return element('p', { class: 'hint truncated' }, t('truncated', MAX_TABLE_ROWS, rows));
}

function tableOrEmpty(): HTMLElement {
  return results.length === 0 ? element('p', { class: 'empty' }, t('empty')) : table();
}

/**
 * The results grid is a plain <table>, not vscode-elements' vscode-table: each of its rows and cells is a
 * Lit component with a shadow root, and 1000 of them took ~780 ms to build (measured in Chromium here)
 * against a few ms for native rows. Redrawn once a second while a scan streams in, the component table
 * kept the window's renderer busy enough that the editor answered commands seconds late.
 */
function table(rows = visibleRows(), signature = rowsSignature(rows.slice(0, MAX_TABLE_ROWS))): HTMLElement {
  const box = element('div', { id: 'results-table', class: 'table-box' });
  const tableEl = element('table', { class: 'results' });
  const headRow = element('tr');
  const sort = state.sort ?? { column: 'port', descending: false };
  for (const c of columns) {
    const arrow = sort.column === c.id ? (sort.descending ? ' ▼' : ' ▲') : '';
    const cell = element(
      'th',
      { class: 'sortable', 'data-column': c.id, tabindex: '0', 'aria-sort': sort.column === c.id ? (sort.descending ? 'descending' : 'ascending') : 'none' },
      `${t(c.id)}${arrow}`,
    );
    headRow.appendChild(cell);
  }
  const head = element('thead');
  head.appendChild(headRow);
  const body = element('tbody');
  builtRows = signature;
  for (const r of rows.slice(0, MAX_TABLE_ROWS)) {
    const row = element('tr', {
      class: `result state-${r.state.replace('|', '-')}${sameKey(state.selected, r) ? ' selected' : ''}`,
      'data-key': resultKeyString(r),
      tabindex: '0',
    });
    const cells = [r.technique, `${r.port}/${r.protocol}${r.service ? ` ${r.service}` : ''}`, r.state, r.reason, formatExchange(r.exchange)];
    cells.forEach((text, i) => row.appendChild(element('td', i === 2 ? { class: 'state' } : {}, text)));
    body.appendChild(row);
  }
  // One listener for the whole grid rather than one per row: rows are rebuilt every second during a scan.
  const activate = (target: EventTarget | null) => {
    const el = target instanceof Element ? target : null;
    const header = el?.closest('th.sortable');
    if (header) {
      const column = header.getAttribute('data-column') as SortColumn;
      state.sort = { column, descending: sort.column === column ? !sort.descending : false };
      save();
      redrawTable();
      return;
    }
    const r = byKey.get(el?.closest('tr.result')?.getAttribute('data-key') ?? '');
    if (r) select(r);
  };
  tableEl.addEventListener('click', (ev) => activate(ev.target));
  tableEl.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    ev.preventDefault();
    activate(ev.target);
  });
  tableEl.append(head, body);
  box.appendChild(tableEl);
  if (rows.length > MAX_TABLE_ROWS) box.appendChild(truncatedHint(rows.length));
  return box;
}

function selectedResult(): PortResult | undefined {
  return state.selected && byKey.get(resultKeyString(state.selected));
}

function select(r: PortResult): void {
  state.selected = keyOf(r);
  // Start with the first captured answer: it is the packet that decided the state.
  const firstIn = r.exchange.findIndex((p) => p.dir === 'in' && p.frame);
  const firstCaptured = r.exchange.findIndex((p) => p.frame);
  state.packetIndex = firstIn >= 0 ? firstIn : firstCaptured >= 0 ? firstCaptured : undefined;
  save();
  packet = undefined;
  if (state.packetIndex !== undefined) vscode.postMessage({ type: 'selectPacket', key: state.selected, index: state.packetIndex });
  render();
}

function details(): HTMLElement {
  const section = element('section', { class: 'details', id: 'details' });
  const r = selectedResult();
  if (!r) {
    if (results.length > 0) section.appendChild(element('p', { class: 'hint' }, t('selectRow')));
    return section;
  }
  const heading = element('div', { class: 'details-heading' });
  heading.appendChild(element('h2', {}, `${r.technique} · ${r.target}:${r.port}/${r.protocol} — ${r.state} (${r.reason})`));
  const open = element('vscode-button', { secondary: '' }, t('openCapture'));
  open.addEventListener('click', () => vscode.postMessage({ type: 'openCapture', key: keyOf(r) }));
  heading.appendChild(open);
  section.appendChild(heading);

  const ladderBox = element('div', { class: 'diagram ladder-box', 'aria-label': t('ladder') });
  const ladder = toDom(
    buildLadder(
      r,
      { scanner: t('scanner'), target: t('target'), kernel: t('kernel'), retry: t('retry'), noAnswer: t('noAnswer'), noPackets: t('noPackets') },
      state.packetIndex,
    ),
    document,
  );
  ladder.addEventListener('click', (ev) => {
    const g = (ev.target as Element).closest('g.packet');
    if (!g) return;
    state.packetIndex = Number(g.getAttribute('data-index'));
    save();
    packet = undefined;
    vscode.postMessage({ type: 'selectPacket', key: keyOf(r), index: state.packetIndex });
    render();
  });
  ladderBox.appendChild(ladder);
  section.append(element('h3', {}, t('ladder')), ladderBox, element('h3', {}, t('headers')));

  const headerBox = element('div', { class: 'diagram header-box', id: 'header-box' });
  if (packet?.layers && sameKey(packet.key, r) && packet.index === state.packetIndex) headerBox.appendChild(toDom(buildHeaderDiagram(packet.layers), document));
  else if (packet?.error) headerBox.appendChild(element('p', { class: 'hint' }, packet.error));
  else headerBox.appendChild(element('p', { class: 'hint' }, t('selectPacket')));
  section.appendChild(headerBox);
  return section;
}

window.addEventListener('message', (ev: MessageEvent<HostToWebview>) => {
  const m = ev.data;
  if (m.type === 'results') {
    const shownBefore = selectedResult();
    const hadTable = document.getElementById('results-table') !== null;
    if (m.replace) byKey.clear();
    for (const r of m.results) byKey.set(resultKeyString(r), r);
    results = [...byKey.values()];
    strings = m.l10n;
    if (m.select) {
      const r = byKey.get(resultKeyString(m.select));
      if (r) {
        // Show Exchange asks for this port: a filter that hides its row goes, as a tree reveals what it is asked for.
        if (!matchesFilter(r)) {
          state.filter = '';
          stateFilter = '';
        }
        return select(r);
      }
    }
    // After a reload the header diagram is asked for again.
    if (!packet && state.selected && state.packetIndex !== undefined && selectedResult())
      vscode.postMessage({ type: 'selectPacket', key: state.selected, index: state.packetIndex });
    // While a scan streams results, only the table and the count change: the filter keeps its focus and
    // the diagrams are redrawn only when the selected port's result did change.
    if (hadTable && JSON.stringify(shownBefore) === JSON.stringify(selectedResult())) redrawTable();
    else render();
  } else if (m.type === 'packet') {
    packet = { key: m.key, index: m.index, layers: m.layers };
    render();
  } else if (m.type === 'packetError') {
    packet = { key: m.key, index: m.index, error: m.message };
    render();
  }
});

vscode.postMessage({ type: 'ready' });
