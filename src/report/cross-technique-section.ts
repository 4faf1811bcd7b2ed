import { TECHNIQUES, type Technique } from '../protocol';
import type { CaptureContents } from '../wire/pcap';
import { analyzeContents } from '../analysis/analyze-capture';
import { crossTechniqueFindings } from '../analysis/cross-technique';
import type { Messages } from './i18n';
import type { CiteFrames } from './i18n/capture-analysis-en';
import { groupBy } from '../base/group-by';

/** The folder's captures as readCapture read them, one per technique; `href` is the link the report gives each. */
export type ReadCaptures = Partial<Record<Technique, { href: string; contents: CaptureContents }>>;

/**
 * The report's cross-technique findings, one Markdown list item each: the folder's captures analysed
 * together, frames cited with their file.
 */
export function crossTechniqueItems(captures: ReadCaptures, m: Messages): string[] {
  const sources = TECHNIQUES.flatMap((technique) => {
    const capture = captures[technique];
    return capture?.contents.format ? [{ href: capture.href, analysis: analyzeContents(capture.contents, { technique }) }] : [];
  });
  const words = m.captureAnalysis;
  const cite = citeCaptures(
    m,
    sources.map((s) => s.href),
  );
  return crossTechniqueFindings(sources.map((s) => s.analysis)).map((f) => `- **${words.crossPort(f.target, f.port)}** — ${words.cross(f, cite)}`);
}

/** Frames cited with the file of the capture each comes from (`files[source]`). */
function citeCaptures(m: Messages, files: readonly string[]): CiteFrames {
  return (refs) => {
    return [...groupBy(refs, (r) => r.source)]
      .map(([source, cited]) => `${files[source]} ${m.captureAnalysis.framesLabel(cited.map((r) => r.frame))}`)
      .join(', ');
  };
}
