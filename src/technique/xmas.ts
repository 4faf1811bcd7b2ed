import { TCP_FIN, TCP_PSH, TCP_URG } from '../wire';
import { stealthTechnique } from './stealth';

/** Xmas scan (-sX): FIN, PSH and URG lit up like a Christmas tree. */
export const xmas = stealthTechnique('xmas', 'Xmas', 'X', TCP_FIN | TCP_PSH | TCP_URG);
