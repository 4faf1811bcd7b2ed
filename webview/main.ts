import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { formatExchange, PORT_STATES, TECHNIQUES, type PortResult } from '../src/protocol/scan';
import { endpointText } from '../src/protocol/endpoint';
import {
  resultKeyString,
  type CheckCaseKey,
  type CheckView,
  type HostToWebview,
  type PacketHeaders,
  type ReadyRequest,
  type ResultKey,
  type ResultsPage,
  type ResultsViewState,
  type SelectCheckPacketRequest,
  type SelectPacketRequest,
  type SortColumn,
  type WebviewStringKey,
  type WebviewStrings,
  type WebviewToHost,
} from '../src/protocol/webview';
import { checkPage } from './check-page';
import { element, translator } from './dom';
import { buildLadder } from './ladder';
import { addressOrder, firstShownPacket } from './exchange-view';
import { diagramPair, headerBox, ladderBox, ladderLabels } from './packet-diagrams';
import { LatestRequest } from './latest-request';
import { foldKey, foldReasons, hiddenInFold, tableRows, type FoldedGroup, type TableRow } from './result-rows';
import { vscodeApi } from './vscode-api';

const vscode = vscodeApi<WebviewToHost, ResultsViewState>();
const state: ResultsViewState = vscode.getState() ?? {};
const byKey = new Map<string, PortResult>();
let results: PortResult[] = [];
let strings: WebviewStrings | undefined;
let stateFilter = '';
/** the headers of the selected packet, as the host sent them */
let packet: { key: ResultKey; index: number; headers: PacketHeaders } | undefined;
let lastMessageId = 0;
const readyRequest = new LatestRequest<ReadyRequest>();
const packetRequest = new LatestRequest<SelectPacketRequest>();
/** the last check of a student's program, when there is one */
let check: CheckView | undefined;
let checkPacket: { key: CheckCaseKey; index: number; headers: PacketHeaders } | undefined;
const checkPacketRequest = new LatestRequest<SelectCheckPacketRequest>();

/**
 * Rows the table builds at most: a full-range scan's 65,535 rows took the webview's renderer (and with it
 * the whole window) seconds per redraw while results streamed in.
 */
const MAX_TABLE_ROWS = 1000;

const app = document.getElementById('app')!;
const t = translator(() => strings);
const sameKey = (a: ResultKey | undefined, r: PortResult) => !!a && a.technique === r.technique && a.target === r.target && a.port === r.port;
const keyOf = (r: PortResult): ResultKey => ({ technique: r.technique, target: r.target, port: r.port });

function save(): void {
  vscode.setState(state);
}

/** Drops the packet shown and asks the host for packet `index` of `key`'s exchange, if there is one to show. */
function requestPacket(key: ResultKey, index: number | undefined): void {
  packet = undefined;
  if (index === undefined) packetRequest.forget();
  else vscode.postMessage(packetRequest.wait({ type: 'selectPacket', messageId: ++lastMessageId, key, index }));
}

/** Drops the check's packet shown and asks for packet `index` of a case's exchange, if there is one to show. */
function requestCheckPacket(key: CheckCaseKey, index: number | undefined): void {
  checkPacket = undefined;
  if (index === undefined || !check) checkPacketRequest.forget();
  else vscode.postMessage(checkPacketRequest.wait({ type: 'selectCheckPacket', messageId: ++lastMessageId, checkId: check.id, key, index }));
}

const columns: { id: SortColumn; label: WebviewStringKey; value(r: PortResult): string | number }[] = [
  { id: 'technique', label: 'technique', value: (r) => TECHNIQUES.indexOf(r.technique) },
  // 127.0.0.1 beside a lab's target: the same port of two hosts are two rows that only this column tells apart.
  { id: 'target', label: 'targetColumn', value: (r) => addressOrder(r.target) },
  { id: 'port', label: 'port', value: (r) => r.port },
  { id: 'state', label: 'state', value: (r) => PORT_STATES.indexOf(r.state) },
  { id: 'reason', label: 'reason', value: (r) => r.reason },
  { id: 'exchange', label: 'exchange', value: (r) => formatExchange(r.exchange) },
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
    const c = x < y ? -1 : x > y ? 1 : a.port - b.port || TECHNIQUES.indexOf(a.technique) - TECHNIQUES.indexOf(b.technique) || a.target.localeCompare(b.target);
    return sort.descending ? -c : c;
  });
}

function render(): void {
  if (check && state.page === 'check') app.replaceChildren(pageTabs(), ...checkPage(check, checkPageHost));
  else app.replaceChildren(...(check ? [pageTabs()] : []), toolbar(), tableOrEmpty(), details());
}

const checkPageHost = {
  t,
  state,
  save,
  requestPacket: requestCheckPacket,
  openCapture: (key: CheckCaseKey) => check && vscode.postMessage({ type: 'openCheckCapture', checkId: check.id, key }),
  headers: (key: CheckCaseKey, index: number) =>
    checkPacket && checkPacket.key.technique === key.technique && checkPacket.key.port === key.port && checkPacket.index === index
      ? checkPacket.headers
      : undefined,
  render,
};

/** The scan's results and the last check, a page each. */
function pageTabs(): HTMLElement {
  const bar = element('div', { class: 'page-tabs', role: 'tablist' });
  const current: ResultsPage = state.page ?? 'scan';
  for (const [page, label] of [
    ['scan', t('scanPage')],
    ['check', t('checkPage')],
  ] as [ResultsPage, string][]) {
    const tab = element(
      'button',
      { class: `page-tab${page === current ? ' current' : ''}`, role: 'tab', 'aria-selected': String(page === current), 'data-page': page },
      label,
    );
    tab.addEventListener('click', () => {
      state.page = page;
      save();
      render();
    });
    bar.appendChild(tab);
  }
  return bar;
}

/** A new check: its page shows it; a case selected in the last one stays selected when this one has it too. */
function receiveCheck(received: CheckView, show: boolean): void {
  check = received;
  if (show) state.page = 'check';
  const selected = state.checkSelected;
  if (selected && !received.document.cases.some((c) => c.technique === selected.technique && c.port === selected.port)) {
    state.checkSelected = undefined;
    state.checkPacketIndex = undefined;
  }
  save();
  if (state.checkSelected) requestCheckPacket(state.checkSelected, state.checkPacketIndex);
  render();
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

function rowsSignature(rows: readonly TableRow[]): string {
  const line = (row: TableRow) =>
    row.kind === 'fold'
      ? `fold ${row.fold.key} ${row.fold.count} ${foldReasons(row.fold)} ${row.fold.expanded}`
      : `${resultKeyString(row.result)} ${row.result.state} ${row.result.reason} ${formatExchange(row.result.exchange)}`;
  return `${JSON.stringify(state.sort)}\n${rows.map(line).join('\n')}`;
}

function expandedFolds(): Set<string> {
  return new Set(state.expanded ?? []);
}

/** Opens a folded row, or folds it again. */
function toggleFold(key: string): void {
  const expanded = expandedFolds();
  if (!expanded.delete(key)) expanded.add(key);
  state.expanded = [...expanded];
  save();
  redrawTable();
}

/**
 * Brings the table up to date with the results, the filter and the sort. While a port-ordered scan
 * streams in, the first 1000 rows are soon final: the rows are then kept and only the counts change.
 */
function redrawTable(): void {
  const rows = visibleRows();
  const items = tableRows(rows, expandedFolds());
  const current = document.getElementById('results-table');
  const signature = rowsSignature(items.slice(0, MAX_TABLE_ROWS));
  if (current && signature === builtRows) {
    current.querySelector('.truncated')?.remove();
    if (items.length > MAX_TABLE_ROWS) current.appendChild(truncatedHint(items.length));
  } else current?.replaceWith(table(items, signature));
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
function table(items = tableRows(visibleRows(), expandedFolds()), signature = rowsSignature(items.slice(0, MAX_TABLE_ROWS))): HTMLElement {
  const box = element('div', { id: 'results-table', class: 'table-box' });
  const tableEl = element('table', { class: 'results' });
  const headRow = element('tr');
  const sort = state.sort ?? { column: 'port', descending: false };
  for (const c of columns) {
    const arrow = sort.column === c.id ? (sort.descending ? ' ▼' : ' ▲') : '';
    const cell = element(
      'th',
      { class: 'sortable', 'data-column': c.id, tabindex: '0', 'aria-sort': sort.column === c.id ? (sort.descending ? 'descending' : 'ascending') : 'none' },
      `${t(c.label)}${arrow}`,
    );
    headRow.appendChild(cell);
  }
  const head = element('thead');
  head.appendChild(headRow);
  const body = element('tbody');
  builtRows = signature;
  for (const item of items.slice(0, MAX_TABLE_ROWS)) body.appendChild(item.kind === 'fold' ? foldRow(item.fold) : resultRow(item.result));
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
    const fold = el?.closest('tr.fold')?.getAttribute('data-fold');
    if (fold) return toggleFold(fold);
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
  if (items.length > MAX_TABLE_ROWS) box.appendChild(truncatedHint(items.length));
  return box;
}

function resultRow(r: PortResult): HTMLElement {
  const row = element('tr', {
    class: `result state-${r.state.replace('|', '-')}${sameKey(state.selected, r) ? ' selected' : ''}`,
    'data-key': resultKeyString(r),
    tabindex: '0',
  });
  const cells = [r.technique, r.target, `${r.port}/${r.protocol}${r.service ? ` ${r.service}` : ''}`, r.state, r.reason, formatExchange(r.exchange)];
  cells.forEach((text, i) => row.appendChild(element('td', i === 3 ? { class: 'state' } : {}, text)));
  return row;
}

/** nmap's "Not shown" line as a row of the table: a click opens it (its ports follow it) or folds it again. */
function foldRow(fold: FoldedGroup): HTMLElement {
  const row = element('tr', {
    class: `fold state-${fold.state.replace('|', '-')}${fold.expanded ? ' expanded' : ''}`,
    'data-fold': fold.key,
    tabindex: '0',
    'aria-expanded': String(fold.expanded),
  });
  row.append(element('td', {}, fold.technique), element('td', {}, fold.target));
  const text = `${fold.expanded ? '▾' : '▸'} ${t('notShownRow', fold.count, fold.state, fold.protocol, foldReasons(fold))} — ${t(fold.expanded ? 'foldHide' : 'foldShow')}`;
  row.appendChild(element('td', { colspan: String(columns.length - 2), class: 'fold-label' }, text));
  return row;
}

function selectedResult(): PortResult | undefined {
  return state.selected && byKey.get(resultKeyString(state.selected));
}

function select(r: PortResult): void {
  state.page = 'scan';
  state.selected = keyOf(r);
  // A port asked for from elsewhere (Show Exchange) may sit in a folded row: open it, so that its row shows.
  // Only r's own fold counts: the results of its technique and target that the filter lets through, unsorted.
  const expanded = expandedFolds();
  const words = filterWords();
  const ownFold = results.filter((x) => x.technique === r.technique && x.target === r.target && matchesFilter(x, words));
  if (hiddenInFold(ownFold, r, expanded)) state.expanded = [...expanded.add(foldKey(r))];
  state.packetIndex = firstShownPacket(r.exchange);
  save();
  requestPacket(state.selected, state.packetIndex);
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
  heading.appendChild(element('h2', {}, `${r.technique} · ${endpointText(r.target, r.port)}/${r.protocol} — ${r.state} (${r.reason})`));
  const open = element('vscode-button', { secondary: '' }, t('openCapture'));
  open.addEventListener('click', () => vscode.postMessage({ type: 'openCapture', key: keyOf(r) }));
  heading.appendChild(open);
  section.appendChild(heading);

  const pick = (index: number) => {
    state.packetIndex = index;
    save();
    requestPacket(keyOf(r), index);
    render();
  };
  const headers = packet && sameKey(packet.key, r) && packet.index === state.packetIndex ? packet.headers : undefined;
  section.appendChild(diagramPair(t, [ladderBox(buildLadder(r, ladderLabels(t), state.packetIndex), t, pick)], headerBox(headers, t, 'header-box')));
  return section;
}

window.addEventListener('message', (ev: MessageEvent<HostToWebview>) => {
  const m = ev.data;
  if (m.type === 'strings') {
    if (readyRequest.answeredBy(m.inReplyTo)) strings = m.strings;
  } else if (m.type === 'results') {
    const shownBefore = selectedResult();
    const hadTable = document.getElementById('results-table') !== null;
    if (m.replace) byKey.clear();
    for (const r of m.results) byKey.set(resultKeyString(r), r);
    results = [...byKey.values()];
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
    if (!packet && !packetRequest.waiting && state.selected && state.packetIndex !== undefined && selectedResult())
      requestPacket(state.selected, state.packetIndex);
    // While a scan streams results, only the table and the count change: the filter keeps its focus and
    // the diagrams are redrawn only when the selected port's result did change. The check page does not show them.
    if (check && state.page === 'check') return;
    if (hadTable && JSON.stringify(shownBefore) === JSON.stringify(selectedResult())) redrawTable();
    else render();
  } else if (m.type === 'packet') {
    const request = packetRequest.answeredBy(m.inReplyTo);
    const checkRequest = checkPacketRequest.answeredBy(m.inReplyTo);
    if (request) packet = { key: request.key, index: request.index, headers: m.headers };
    else if (checkRequest) checkPacket = { key: checkRequest.key, index: checkRequest.index, headers: m.headers };
    else return;
    render();
  } else if (m.type === 'check') receiveCheck(m.check, m.show);
});

vscode.postMessage(readyRequest.wait({ type: 'ready', messageId: ++lastMessageId }));
