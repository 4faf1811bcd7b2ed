import type { Technique } from '../protocol';
import { fin } from './fin';
import { nullScan } from './null';
import { syn } from './syn';
import type { RawTechnique } from './types';
import { udp } from './udp';
import { xmas } from './xmas';

export { classifyConnect, connectNoResponse, CONNECT_DEFAULT_RETRIES } from './connect';
export { udpPayloadFor, UDP_PAYLOADS } from './udp-payloads';
export type { Answer, ProbeFields, RawTechnique, Verdict } from './types';

export const RAW_TECHNIQUES: Readonly<Record<Exclude<Technique, 'connect'>, RawTechnique>> = { syn, xmas, fin, null: nullScan, udp };
