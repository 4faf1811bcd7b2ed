import type { Deviation } from '../analysis/deviations';
import type { CheckDocument } from '../protocol/check';
import type { ReportLang } from '../report';
import { messagesFor } from '../report/i18n';

/**
 * The check's deviation sentences in the editor's language. The checker writes them in English; each
 * comes with its kind and facts, which are what the capture analysis words its sentences from.
 */
export function deviationsIn(doc: CheckDocument, lang: ReportLang): CheckDocument {
  const words = messagesFor(lang).captureAnalysis;
  return {
    ...doc,
    cases: doc.cases.map((c) =>
      c.textbook
        ? {
            ...c,
            textbook: {
              ...c.textbook,
              deviations: c.textbook.deviations.map((d) => ({
                ...d,
                text: words.deviation({ kind: d.kind, frames: d.frames, facts: d.facts } as Deviation, c.textbook!.technique),
              })),
            },
          }
        : c,
    ),
  };
}
