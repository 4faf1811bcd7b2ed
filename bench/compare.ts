import type { ToolAnswer } from './outputs';

// Ports are keyed `address/port`; the built truth and the other tool's states are looked up by key.

/** States a scanner gives a port that sent nothing back. */
const UNANSWERED = new Set(['filtered', 'open|filtered']);

/** Ports built to answer (open or closed) that the tool reported as silent; masscan: open ports it did not report. */
export function lostAnswers(a: ToolAnswer['states'], truth: (key: string) => string | undefined, keys: string[], openOnly: boolean): number {
  let n = 0;
  for (const k of keys) {
    const built = truth(k);
    if (built !== 'open' && built !== 'closed') continue;
    const got = a.get(k);
    if (openOnly ? built === 'open' && got !== 'open' : got !== undefined && UNANSWERED.has(got)) n++;
  }
  return n;
}

/** Ports whose states differ (masscan, which reports only open ports: open in one and not the other). */
export function differing(a: ToolAnswer['states'], b: (key: string) => string | undefined, keys: string[], openOnly: boolean): number {
  let n = 0;
  for (const k of keys) {
    const x = a.get(k);
    const y = b(k);
    if (openOnly ? (x === 'open') !== (y === 'open') : x !== y) n++;
  }
  return n;
}
