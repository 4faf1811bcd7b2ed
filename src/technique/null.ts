import { stealthTechnique } from './stealth';

/** NULL scan (-sN): a segment with no flags at all. */
export const nullScan = stealthTechnique('null', 'NULL', 'N', 0);
