import type { CheckDocument } from '../protocol';

/**
 * A check added to the one already in a --out folder: the student checks one program per technique, and
 * the report shows them all. A technique checked again replaces its earlier cases, ports and program alike.
 */
export function mergeCheckDocuments(previous: CheckDocument | undefined, next: CheckDocument): CheckDocument {
  if (!previous) return next;
  const replaced = new Set(next.cases.map((c) => c.technique));
  return { ...next, cases: [...previous.cases.filter((c) => !replaced.has(c.technique)), ...next.cases] };
}
