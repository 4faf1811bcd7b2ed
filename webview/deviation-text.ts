import type { Translate } from './dom';

/** Longest lead-in that counts as a deviation's title ("Kernel RST", "ICMP 应答"). */
const MAX_TITLE = 40;

/**
 * The title of a deviation's sentence, as a table cell shows it: the words before its colon (the
 * analysis writes "Kernel RST: frame 7 comes from…"); the whole sentence when it has no such title.
 */
export function deviationTitle(text: string): string {
  const colon = text.search(/: |：/);
  return colon > 0 && colon <= MAX_TITLE ? text.slice(0, colon) : text;
}

/** A text followed by the frames that show it: "Kernel RST (frame 7)", "Retransmission (frames 1, 2)". */
export function withFrames(text: string, frames: readonly number[], t: Translate): string {
  if (frames.length === 0) return text;
  return t(frames.length === 1 ? 'withFrame' : 'withFrames', text, frames.join(', '));
}

/** Deviations in a table cell: each one's title and the frames that show it. */
export function deviationsCell(deviations: readonly { text: string; frames: readonly number[] }[], t: Translate): string {
  return deviations.map((d) => withFrames(deviationTitle(d.text), d.frames, t)).join('; ');
}
