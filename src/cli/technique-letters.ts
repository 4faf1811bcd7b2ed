import { UserError } from '../base/errors';
import { TECHNIQUES, type Technique } from '../protocol';
import { NMAP_FLAG } from '../technique';

const TECHNIQUE_BY_LETTER = new Map(TECHNIQUES.map((t) => [NMAP_FLAG[t], t] as const));

/**
 * `-sS -sU`, `-sSU`: every `-s` group's letters as techniques, in the order given, each once, as
 * nmap reads them. `whenNone` is the command's own word for an empty `-s`.
 */
export function parseTechniqueLetters(groups: readonly string[], whenNone: string): Technique[] {
  const out: Technique[] = [];
  for (const letter of groups.join('')) {
    const technique = TECHNIQUE_BY_LETTER.get(letter.toUpperCase());
    if (!technique) throw new UserError(`unknown scan technique -s${letter}: use T (connect), S (SYN), X (Xmas), F (FIN), N (NULL) or U (UDP)`);
    if (!out.includes(technique)) out.push(technique);
  }
  if (out.length === 0) throw new UserError(whenNone);
  return out;
}
