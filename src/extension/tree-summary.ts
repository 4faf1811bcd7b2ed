import type { PortState } from '../protocol';

/** The order in which a student looks for states: what answered first, what stayed closed last. */
const INTEREST: readonly PortState[] = ['open', 'open|filtered', 'unfiltered', 'filtered', 'closed'];
/** A technique row's summary at the default sidebar width holds about two counts beside its label. */
const SHOWN = 2;

/**
 * A technique's counts as its tree row shows them: the two most telling states ("3 open · 4 filtered"),
 * "…" when there are more, every count in full for the tooltip.
 */
export function techniqueSummary(counts: ReadonlyMap<PortState, number>): { short: string; full: string } {
  const present = INTEREST.map((s) => [s, counts.get(s) ?? 0] as const).filter(([, n]) => n > 0);
  const words = present.map(([s, n]) => `${n} ${s}`);
  const short = words.slice(0, SHOWN).join(' · ') + (words.length > SHOWN ? ' …' : '');
  return { short, full: words.join(' · ') };
}
