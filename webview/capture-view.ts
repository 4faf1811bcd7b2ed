import type { CaptureExchange } from '../src/protocol/analysis';
import { endpointText } from '../src/protocol/endpoint';
import type { CaptureView } from '../src/protocol/webview';
import { deviationsCell } from './deviation-text';
import type { Translate } from './dom';
import { addressOrder } from './exchange-view';

/** One exchange of the capture as its row shows it. */
interface ExchangeRow {
  /** its index in the analysis's exchanges (and ladders) */
  index: number;
  technique: string;
  state: string;
  observed: string;
  textbook: string;
  matches: boolean;
  verdict: string;
  deviations: string;
}

/** The exchanges of one port of one target, as a group of rows under its heading. */
interface PortGroup {
  title: string;
  rows: ExchangeRow[];
}

function exchangeRow(e: CaptureExchange, index: number, t: Translate): ExchangeRow {
  return {
    index,
    technique: e.technique === 'unknown' ? t('unknownTechnique') : e.technique,
    state: e.state && e.reason ? `${e.state} (${e.reason})` : '',
    observed: e.observed,
    textbook: e.textbook.expected ?? '',
    matches: e.textbook.matches,
    verdict: t(e.textbook.matches ? 'textbookMatches' : 'textbookDiffers'),
    deviations: deviationsCell(e.textbook.deviations, t),
  };
}

/**
 * The capture's exchanges grouped by target port (target, then protocol, then port number); within a
 * port, in the order they began in the file.
 */
export function portGroups(view: CaptureView, t: Translate): PortGroup[] {
  const groups = new Map<string, { exchange: CaptureExchange; rows: ExchangeRow[] }>();
  view.analysis.exchanges.forEach((e, index) => {
    const key = `${endpointText(e.target, e.port)}/${e.protocol}`;
    const group = groups.get(key) ?? { exchange: e, rows: [] };
    groups.set(key, group);
    group.rows.push(exchangeRow(e, index, t));
  });
  return [...groups.entries()]
    .sort(([, a], [, b]) => {
      const x = a.exchange;
      const y = b.exchange;
      return addressOrder(x.target).localeCompare(addressOrder(y.target)) || x.protocol.localeCompare(y.protocol) || x.port - y.port;
    })
    .map(([title, group]) => ({ title, rows: group.rows }));
}
