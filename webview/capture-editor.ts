import '@vscode-elements/elements/dist/vscode-button/index.js';
import type {
  CaptureHostToWebview,
  CaptureView,
  CaptureViewState,
  CaptureWebviewToHost,
  PacketHeaders,
  ReadyRequest,
  SelectFrameRequest,
  WebviewStrings,
} from '../src/protocol/webview';
import { endpointText } from '../src/protocol/endpoint';
import { portGroups } from './capture-view';
import { deviationList } from './deviation-list';
import { withFrames } from './deviation-text';
import { element, onActivate, translator } from './dom';
import { deviatingFrames, firstShownPacket } from './exchange-view';
import { buildLadder } from './ladder';
import { diagramPair, headerBox, ladderBox, ladderLabels } from './packet-diagrams';
import { LatestRequest } from './latest-request';
import { vscodeApi } from './vscode-api';

const vscode = vscodeApi<CaptureWebviewToHost, CaptureViewState>();
const state: CaptureViewState = vscode.getState() ?? {};
let strings: WebviewStrings | undefined;
/** what the host sent: the analysis, or why there is none */
let shown: { view: CaptureView } | { error: string } | undefined;
/** the headers of the selected packet, as the host sent them */
let packet: { frame: number; headers: PacketHeaders } | undefined;
let lastMessageId = 0;
const readyRequest = new LatestRequest<ReadyRequest>();
const frameRequest = new LatestRequest<SelectFrameRequest>();

const app = document.getElementById('app')!;
const t = translator(() => strings);

const COLUMNS = ['technique', 'state', 'observed', 'textbook', 'verdict', 'deviations'] as const;

function save(): void {
  vscode.setState(state);
}

/** The frame of the selected packet of the selected exchange, when it has one. */
function selectedFrame(view: CaptureView): number | undefined {
  return state.exchange === undefined || state.packetIndex === undefined ? undefined : view.ladders[state.exchange]?.[state.packetIndex]?.frame;
}

/** Drops the headers shown and asks the host for the selected packet's, if there is one. */
function requestHeaders(view: CaptureView): void {
  packet = undefined;
  const frame = selectedFrame(view);
  if (frame === undefined) frameRequest.forget();
  else vscode.postMessage(frameRequest.wait({ type: 'selectFrame', messageId: ++lastMessageId, frame }));
}

function render(): void {
  if (!shown) return;
  if ('error' in shown) {
    app.replaceChildren(element('h2', {}, t('captureUnreadable')), element('p', { class: 'capture-error', id: 'capture-error' }, shown.error));
    return;
  }
  const view = shown.view;
  app.replaceChildren(summary(view), exchangesTable(view), crossTechnique(view), details(view));
}

function summary(view: CaptureView): HTMLElement {
  const a = view.analysis;
  const box = element('section', { class: 'capture-summary', id: 'capture-summary' });
  box.append(element('h2', {}, a.file.split('/').pop() ?? a.file), element('p', {}, t('captureSummary', a.format, a.packets, a.exchanges.length)));
  if (a.stoppedAt) box.appendChild(element('p', { class: 'warning' }, t('captureStopped', a.stoppedAt.offset, a.stoppedAt.packet, a.stoppedAt.error)));
  for (const line of a.unsupportedLinkTypes ?? []) box.appendChild(element('p', { class: 'warning' }, t('captureUnsupported', line)));
  if (a.unattributed > 0) box.appendChild(element('p', { class: 'hint' }, t('captureUnattributed', a.unattributed)));
  return box;
}

function exchangesTable(view: CaptureView): HTMLElement {
  const section = element('section', { id: 'capture-exchanges' });
  section.appendChild(element('h3', {}, t('exchanges')));
  const groups = portGroups(view, t);
  if (groups.length === 0) {
    section.appendChild(element('p', { class: 'empty' }, t('noExchanges')));
    return section;
  }
  const box = element('div', { class: 'table-box' });
  const table = element('table', { class: 'results capture' });
  const headRow = element('tr');
  for (const column of COLUMNS) headRow.appendChild(element('th', {}, t(column)));
  const head = element('thead');
  head.appendChild(headRow);
  table.appendChild(head);
  for (const group of groups) {
    // A tbody per port: its heading row, then its exchanges.
    const body = element('tbody', { class: 'port-group' });
    const title = element('tr', { class: 'group-title' });
    title.appendChild(element('th', { colspan: String(COLUMNS.length) }, group.title));
    body.appendChild(title);
    for (const row of group.rows) {
      const tr = element('tr', {
        class: `result exchange ${row.matches ? 'matches' : 'differs'}${state.exchange === row.index ? ' selected' : ''}`,
        'data-index': String(row.index),
        tabindex: '0',
      });
      for (const column of COLUMNS) tr.appendChild(element('td', { class: column }, row[column]));
      body.appendChild(tr);
    }
    table.appendChild(body);
  }
  onActivate(table, (el) => {
    const index = el?.closest('tr.exchange')?.getAttribute('data-index');
    if (index !== undefined && index !== null) selectExchange(view, Number(index));
  });
  box.appendChild(table);
  section.appendChild(box);
  return section;
}

function crossTechnique(view: CaptureView): HTMLElement {
  const section = element('section', { id: 'capture-cross' });
  const findings = view.analysis.crossTechnique;
  if (findings.length === 0) return section;
  section.appendChild(element('h3', {}, t('crossTechnique')));
  const list = element('ul');
  for (const f of findings)
    list.appendChild(element('li', {}, withFrames(`${endpointText(f.target, f.port)} (${f.techniques.join(', ')}) — ${f.text}`, f.frames, t)));
  section.appendChild(list);
  return section;
}

function selectExchange(view: CaptureView, index: number): void {
  state.exchange = index;
  // Every packet of a capture's exchange has its frame: the first answer, else the first packet.
  state.packetIndex = firstShownPacket(view.ladders[index] ?? []);
  save();
  requestHeaders(view);
  render();
}

function details(view: CaptureView): HTMLElement {
  const section = element('section', { class: 'details', id: 'capture-details' });
  const e = state.exchange === undefined ? undefined : view.analysis.exchanges[state.exchange];
  if (!e || state.exchange === undefined) {
    if (view.analysis.exchanges.length > 0) section.appendChild(element('p', { class: 'hint' }, t('selectExchange')));
    return section;
  }
  const index = state.exchange;
  section.appendChild(
    element('h2', {}, `${e.technique} · ${e.scanner} → ${endpointText(e.target, e.port)}/${e.protocol}${e.state ? ` — ${e.state} (${e.reason})` : ''}`),
  );
  const verdict = t(e.textbook.matches ? 'textbookMatches' : 'textbookDiffers');
  section.appendChild(element('p', { class: 'arrows' }, `${t('observed')}: ${e.observed} · ${t('textbook')}: ${e.textbook.expected ?? '—'} · ${verdict}`));
  const labels = ladderLabels(t);
  const deviating = deviatingFrames(view.analysis.exchanges[index]);
  const pick = (index: number) => {
    state.packetIndex = index;
    save();
    requestHeaders(view);
    render();
  };
  const ladder = buildLadder({ target: e.target, port: e.port, reason: e.reason, exchange: view.ladders[index] ?? [] }, labels, state.packetIndex, deviating);
  const legend = deviating.size > 0 ? [element('p', { class: 'hint deviation-legend' }, t('deviationLegend'))] : [];
  const headers = packet && packet.frame === selectedFrame(view) ? packet.headers : undefined;
  section.appendChild(diagramPair(t, [ladderBox(ladder, t, pick), ...legend, ...deviationList(e.textbook.deviations, t)], headerBox(headers, t, 'header-box')));
  return section;
}

window.addEventListener('message', (ev: MessageEvent<CaptureHostToWebview>) => {
  const m = ev.data;
  if (m.type === 'strings') {
    if (readyRequest.answeredBy(m.inReplyTo)) strings = m.strings;
  } else if (m.type === 'capture') {
    shown = { view: m.view };
    // Reopened (a reload, the tab moved): the packet selected before is shown again.
    if (state.exchange !== undefined && !m.view.analysis.exchanges[state.exchange]) state.exchange = state.packetIndex = undefined;
    requestHeaders(m.view);
    render();
  } else if (m.type === 'captureError') {
    shown = { error: m.error };
    render();
  } else if (m.type === 'packet') {
    const request = frameRequest.answeredBy(m.inReplyTo);
    if (!request) return;
    packet = { frame: request.frame, headers: m.headers };
    render();
  }
});

vscode.postMessage(readyRequest.wait({ type: 'ready', messageId: ++lastMessageId }));
