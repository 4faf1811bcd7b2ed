import { CaptureAnalysisDocument, endpointText, formatExchange, type CaptureExchange, type CrossTechniqueFinding } from '../protocol';
import type { CaptureAnalysis } from '../analysis/analyze-capture';
import type { CrossFinding, FrameRef } from '../analysis/cross-technique';
import type { AnalyzedExchange } from '../analysis/exchange-analysis';
import { readsResetWindow } from '../analysis/textbook';
import { messagesFor, type ReportLang } from './i18n';
import { ipVersionOfAddress } from './icmp-notation';
import type { CiteFrames } from './i18n/capture-analysis-en';
import { numberRanges } from '../output/nmap-model';

/** Frames cited by number alone: they are all of one capture. */
function citeOneCapture(lang: ReportLang): CiteFrames {
  return (refs) => messagesFor(lang).captureAnalysis.framesLabel(refs.map((r) => r.frame));
}

/** What `portlab analyze --json` prints: the analysis with every sentence in `lang` (validated by its schema). */
export function captureAnalysisDocument(file: string, analysis: CaptureAnalysis, lang: ReportLang): CaptureAnalysisDocument {
  const cite = citeOneCapture(lang);
  return CaptureAnalysisDocument.parse({
    file,
    format: analysis.format,
    packets: analysis.packets,
    exchanges: analysis.exchanges.map((e) => exchangeDocument(e, lang)),
    crossTechnique: analysis.crossTechnique.map((f) => findingDocument(f, messagesFor(lang).captureAnalysis.cross(f, cite))),
    unattributed: analysis.unattributed,
    ...(analysis.duplicates ? { duplicates: analysis.duplicates } : {}),
    ...(analysis.stoppedAt ? { stoppedAt: analysis.stoppedAt } : {}),
    ...(analysis.unsupportedLinkTypes.length ? { unsupportedLinkTypes: analysis.unsupportedLinkTypes } : {}),
  });
}

function exchangeDocument(e: AnalyzedExchange, lang: ReportLang): CaptureExchange {
  const m = messagesFor(lang);
  const frames = (packets: AnalyzedExchange['packets']) => packets.map((p) => p.frame!);
  return {
    technique: e.technique,
    scanner: e.scanner,
    target: e.target,
    port: e.port,
    protocol: e.protocol,
    ...(e.wire ? { state: e.wire.state, reason: e.wire.reason } : {}),
    packets: frames(e.packets),
    fromKernel: frames(e.packets.filter((p) => p.kernel)),
    observed: formatExchange(e.packets, e.technique !== 'unknown' && readsResetWindow(e.technique)),
    textbook: {
      matches: e.matchesTextbook,
      ...(e.column && e.technique !== 'unknown' ? { expected: m.textbook(e.technique, e.column, ipVersionOfAddress(e.target)) } : {}),
      deviations: e.deviations.map((d) => ({ kind: d.kind, frames: d.frames, text: m.captureAnalysis.deviation(d, e.technique), facts: d.facts })),
    },
  };
}

function findingDocument(f: CrossFinding, text: string): CrossTechniqueFinding {
  const [a, b] = f.sides;
  const refs: FrameRef[] = [...a.frames, ...b.frames, ...(f.recentIcmpErrors ?? [])];
  return {
    target: f.target,
    port: f.port,
    techniques: [a.technique, b.technique],
    kind: f.kind,
    frames: [...new Set(refs.map((r) => r.frame))].sort((x, y) => x - y),
    text,
    facts: {
      firstState: a.state,
      firstReason: a.reason,
      secondState: b.state,
      secondReason: b.reason,
      ...(f.recentIcmpErrors ? { recentIcmpErrors: f.recentIcmpErrors.length } : {}),
    },
  };
}

/** Columns a terminal gives the text: CJK characters take two. */
function displayWidth(text: string): number {
  return [...text].reduce((n, c) => n + (c.codePointAt(0)! >= 0x2e80 ? 2 : 1), 0);
}

/** What `portlab analyze` prints: a block per exchange, the cross-technique findings, the unattributed packets. */
export function renderCaptureAnalysis(doc: CaptureAnalysisDocument, lang: ReportLang): string {
  const words = messagesFor(lang).captureAnalysis;
  const labels = words.labels;
  const width = Math.max(...Object.values(labels).map(displayWidth));
  const line = (label: string, value: string) => `    ${label}${' '.repeat(width - displayWidth(label))}  ${value}`;
  const out = [words.summary(doc.file, doc.format, doc.packets, doc.exchanges.length), ''];
  if (doc.stoppedAt) out.push(words.stopped(doc.stoppedAt.offset, doc.stoppedAt.packet, doc.stoppedAt.error), '');
  if (doc.exchanges.length === 0) out.push(words.noExchanges, '');
  doc.exchanges.forEach((e, i) => {
    out.push(
      words.exchangeTitle(
        i + 1,
        words.framesLabel(e.packets.length === 1 ? e.packets : [numberRanges(e.packets, '–', ', ')]),
        e.scanner,
        `${endpointText(e.target, e.port)}/${e.protocol}`,
      ),
      line(labels.technique, words.technique(e.technique)),
      line(labels.state, e.state && e.reason ? words.stateReason(e.state, e.reason) : words.noState),
      line(labels.observed, e.observed),
      line(labels.textbook, `${e.textbook.expected ? `${e.textbook.expected}   ` : ''}${e.textbook.matches ? words.matches : words.differs}`),
      ...e.textbook.deviations.map((d) => `    - ${d.text}`),
      '',
    );
  });
  if (doc.crossTechnique.length) {
    out.push(words.crossHeading, words.crossIntro);
    for (const f of doc.crossTechnique) out.push(`- ${words.crossPort(f.target, f.port)}: ${f.text}`);
    out.push('');
  }
  out.push(words.unattributed(doc.unattributed));
  if (doc.duplicates) out.push(words.duplicates(doc.duplicates));
  return `${out.join('\n')}\n`;
}
