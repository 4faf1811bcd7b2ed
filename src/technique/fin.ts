import { TCP_FIN } from '../wire';
import { stealthTechnique } from './stealth';

/** FIN scan (-sF): a lone FIN. */
export const fin = stealthTechnique('fin', 'FIN', 'F', TCP_FIN);
