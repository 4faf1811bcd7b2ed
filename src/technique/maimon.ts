import { TCP_ACK, TCP_FIN } from '../wire';
import { stealthTechnique } from './stealth';

/** Maimon scan (-sM, Uriel Maimon, Phrack 49): a FIN/ACK. On a stack that follows RFC 793 (Linux) every port reads closed. */
export const maimon = stealthTechnique('maimon', 'Maimon', 'M', TCP_FIN | TCP_ACK);
