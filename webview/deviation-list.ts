import { element, type Translate } from './dom';
import { withFrames } from './deviation-text';

/** A details pane's deviations in full, each with the frames that show it; nothing when there are none. */
export function deviationList(deviations: readonly { text: string; frames: readonly number[] }[], t: Translate): HTMLElement[] {
  if (deviations.length === 0) return [];
  const list = element('ul', { class: 'deviation-list' });
  for (const d of deviations) list.appendChild(element('li', {}, withFrames(d.text, d.frames, t)));
  return [element('h3', {}, t('deviations')), list];
}
