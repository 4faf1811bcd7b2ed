import type { CheckCase } from '../src/protocol/check';
import { endpointText } from '../src/protocol/endpoint';
import type { CheckCaseKey, CheckView, PacketHeaders, ResultsViewState, WebviewStringKey } from '../src/protocol/webview';
import { checkKeyString, checkRow, type CheckRow } from './check-table';
import { deviationList } from './deviation-list';
import { element, onActivate, type Translate } from './dom';
import { deviatingFrames, firstShownPacket } from './exchange-view';
import { buildLadder } from './ladder';
import { diagramPair, headerBox, ladderBox, ladderLabels } from './packet-diagrams';

/** What the check page needs from the results webview around it. */
export interface CheckPageHost {
  t: Translate;
  state: ResultsViewState;
  save(): void;
  /** asks for the headers of packet `index` of a case's exchange (none: forget the last request) */
  requestPacket(key: CheckCaseKey, index: number | undefined): void;
  openCapture(key: CheckCaseKey): void;
  /** the headers last received for the selected packet */
  headers(key: CheckCaseKey, index: number): PacketHeaders | undefined;
  render(): void;
}

/** Each column's heading, and the row's field its cells show (also their class). */
const COLUMNS = [
  ['port', 'port'],
  ['truth', 'truth'],
  ['expected', 'expected'],
  ['programSaid', 'said'],
  ['verdict', 'verdict'],
  ['deviations', 'deviations'],
] as const satisfies readonly (readonly [WebviewStringKey, keyof CheckRow])[];

const sameCase = (key: CheckCaseKey | undefined, c: CheckCase) => key?.technique === c.technique && key.port === c.port;

/** "Your program vs truth": a row per port, and for the selected one the ladder of what the program sent. */
export function checkPage(check: CheckView, host: CheckPageHost): HTMLElement[] {
  const { t } = host;
  const doc = check.document;
  const technique = doc.cases[0]?.technique ?? '';
  const heading = element('div', { class: 'check-heading' });
  heading.append(
    element('h2', {}, t('checkHeading', check.program, technique, doc.cases[0]?.target ?? '', doc.lab ?? '')),
    element('span', { class: 'count', id: 'check-summary' }, t('checkSummary', doc.cases.filter((c) => c.result === 'correct').length, doc.cases.length)),
  );
  const parts: HTMLElement[] = [heading];
  if (check.partial) parts.push(element('p', { class: 'hint' }, t('checkPartial')));
  parts.push(checkTable(check, host), caseDetails(check, host));
  return parts;
}

function checkTable(check: CheckView, host: CheckPageHost): HTMLElement {
  const { t, state } = host;
  const box = element('div', { class: 'table-box', id: 'check-table' });
  const table = element('table', { class: 'results check' });
  const headRow = element('tr');
  for (const [heading] of COLUMNS) headRow.appendChild(element('th', {}, t(heading)));
  const head = element('thead');
  head.appendChild(headRow);
  const body = element('tbody');
  const timeoutS = check.document.timeoutMs / 1000;
  for (const c of check.document.cases) {
    const row = checkRow(c, host.t, timeoutS);
    const tr = element('tr', {
      class: `result check-${row.result}${sameCase(state.checkSelected, c) ? ' selected' : ''}`,
      'data-key': checkKeyString(row.key),
      tabindex: '0',
    });
    for (const [, field] of COLUMNS) tr.appendChild(element('td', { class: field }, row[field]));
    body.appendChild(tr);
  }
  onActivate(table, (el) => {
    const key = el?.closest('tr.result')?.getAttribute('data-key');
    const c = check.document.cases.find((x) => checkKeyString(x) === key);
    if (c) selectCase(c, host);
  });
  table.append(head, body);
  box.appendChild(table);
  return box;
}

function selectCase(c: CheckCase, host: CheckPageHost): void {
  const key = { technique: c.technique, port: c.port };
  host.state.checkSelected = key;
  host.state.checkPacketIndex = firstShownPacket(c.exchange);
  host.save();
  host.requestPacket(key, host.state.checkPacketIndex);
  host.render();
}

function caseDetails(check: CheckView, host: CheckPageHost): HTMLElement {
  const { t, state } = host;
  const section = element('section', { class: 'details', id: 'check-details' });
  const c = check.document.cases.find((x) => sameCase(state.checkSelected, x));
  if (!c) {
    section.appendChild(element('p', { class: 'hint' }, t('selectCase')));
    return section;
  }
  const key = { technique: c.technique, port: c.port };
  const heading = element('div', { class: 'details-heading' });
  heading.appendChild(
    element('h2', {}, `${c.technique} · ${endpointText(c.target, c.port)}/${c.protocol} — ${checkRow(c, t, check.document.timeoutMs / 1000).verdict}`),
  );
  if (c.capture) {
    const open = element('vscode-button', { secondary: '' }, t('openCapture'));
    open.addEventListener('click', () => host.openCapture(key));
    heading.appendChild(open);
  }
  section.appendChild(heading);

  const printed = [c.program.output.trimEnd(), c.program.stderr.trimEnd()].filter(Boolean).join('\n');
  section.append(element('h3', {}, t('programOutput')), element('pre', { class: 'program-output' }, printed || t('saidNothing')));

  const deviating = deviatingFrames(c);
  // "No answer" is drawn under probes that got none, whatever the port's truth.
  const unanswered = c.exchange.length > 0 && !c.exchange.some((p) => p.dir === 'in');
  const pick = (index: number) => {
    state.checkPacketIndex = index;
    host.save();
    host.requestPacket(key, index);
    host.render();
  };
  const ladder = buildLadder({ ...c, reason: unanswered ? 'no-response' : undefined }, ladderLabels(t), state.checkPacketIndex, deviating);
  const legend = deviating.size > 0 ? [element('p', { class: 'hint deviation-legend' }, t('deviationLegend'))] : [];
  const headers = state.checkPacketIndex === undefined ? undefined : host.headers(key, state.checkPacketIndex);
  section.appendChild(
    diagramPair(t, [ladderBox(ladder, t, pick), ...legend, ...deviationList(c.textbook?.deviations ?? [], t)], headerBox(headers, t, 'check-header-box')),
  );
  return section;
}
