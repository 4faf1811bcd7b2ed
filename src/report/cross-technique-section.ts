import { TECHNIQUES, type Technique } from '../protocol';
import { readCapture } from '../wire/pcap';
import { analyzeContents } from '../analysis/analyze-capture';
import { crossTechniqueFindings } from '../analysis/cross-technique';
import type { Messages } from './i18n';
import type { CiteFrames } from './i18n/capture-analysis-en';

/**
 * The report's cross-technique findings, one Markdown list item each: the folder's captures (one per
 * technique, `href` the link the report gives it) analysed together, frames cited with their file.
 */
export function crossTechniqueItems(captures: Partial<Record<Technique, { href: string; bytes: Uint8Array }>>, m: Messages): string[] {
  const sources = TECHNIQUES.flatMap((technique) => {
    const capture = captures[technique];
    const contents = capture && readCapture(capture.bytes);
    return capture && contents?.format ? [{ href: capture.href, analysis: analyzeContents(contents, { technique }) }] : [];
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
    const bySource = new Map<number, number[]>();
    for (const r of refs) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r.frame]);
    return [...bySource].map(([source, frames]) => `${files[source]} ${m.captureAnalysis.framesLabel(frames)}`).join(', ');
  };
}
