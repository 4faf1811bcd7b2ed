import { analyzeContents } from '../analysis/analyze-capture';
import type { CaptureView } from '../protocol/webview';
import type { ReportLang } from '../report';
import { captureAnalysisDocument } from '../report/analysis-text';
import { isDecodableLinkType } from '../wire';
import type { CaptureContents } from '../wire/pcap';

/**
 * What the capture editor shows of a capture already read: the analysis in `lang`, and each exchange's
 * packets for its ladder; or the one line that says why there is nothing to analyse, as
 * `portlab analyze` says it.
 */
export function captureView(contents: CaptureContents, file: string, lang: ReportLang): { view: CaptureView } | { error: string } {
  if (!contents.format) return { error: contents.error ?? 'not a pcap or pcapng file' };
  if (contents.unsupportedLinkTypes.length > 0 && !contents.records.some((r) => isDecodableLinkType(r.linkType)))
    return { error: contents.unsupportedLinkTypes.join('; ') };
  try {
    const analysis = analyzeContents(contents);
    return { view: { analysis: captureAnalysisDocument(file, analysis, lang), ladders: analysis.exchanges.map((e) => e.packets) } };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}
