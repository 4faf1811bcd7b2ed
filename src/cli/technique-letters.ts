import { UserError } from '../base/errors';
import { TECHNIQUES, type Technique } from '../protocol';
import { NMAP_FLAG, TECHNIQUE_TABLE } from '../technique';

const TECHNIQUE_BY_LETTER = new Map(TECHNIQUES.map((t) => [NMAP_FLAG[t], t] as const));

const LETTERS = TECHNIQUES.map((t) => `${NMAP_FLAG[t]} (${TECHNIQUE_TABLE[t].displayName})`);
/** "T (Connect), S (SYN), … or I (Idle)", from the table. */
export const LETTER_LIST = `${LETTERS.slice(0, -1).join(', ')} or ${LETTERS.at(-1)}`;

/**
 * `-sS -sU`, `-sSU`: every `-s` group's letters as techniques, in the order given, each once, as
 * nmap reads them. `whenNone` is the command's own word for an empty `-s`.
 */
export function parseTechniqueLetters(groups: readonly string[], whenNone: string): Technique[] {
  const out: Technique[] = [];
  for (const letter of groups.join('')) {
    const technique = TECHNIQUE_BY_LETTER.get(letter.toUpperCase());
    if (!technique) throw new UserError(`unknown scan technique -s${letter}: use ${LETTER_LIST}`);
    if (!out.includes(technique)) out.push(technique);
  }
  if (out.length === 0) throw new UserError(whenNone);
  return out;
}
