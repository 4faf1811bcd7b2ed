import { TECHNIQUES, type Technique } from '../protocol';
import { connect } from './connect';
import { fin } from './fin';
import { nullScan } from './null';
import { syn } from './syn';
import type { ConnectTechnique, RawTechnique } from './types';
import { udp } from './udp';
import { xmas } from './xmas';

export { connectErrnoForIcmp, connectUnreachableVerdicts } from './connect';
export type {
  Answer,
  ConnectTechnique,
  PortVerdict,
  ProbeFields,
  RawTechnique,
  TechniqueEntry,
  TcpProbe,
  TextbookCell,
  TextbookColumn,
  TextbookWords,
  UdpProbe,
} from './types';

type RawTechniqueName = Exclude<Technique, 'connect'>;

/** The techniques that send their own packets, run by the engine's raw scan loop. */
export const RAW_TECHNIQUES: Readonly<Record<RawTechniqueName, RawTechnique>> = { syn, xmas, fin, null: nullScan, udp };

/**
 * The one technique table: what each technique is called, what it sends, how each answer and silence
 * classify, and what the textbook expects. The engine classifies live answers with it and the report
 * checks captured ones with it, so the two cannot disagree.
 */
export const TECHNIQUE_TABLE: Readonly<{ connect: ConnectTechnique } & Record<RawTechniqueName, RawTechnique>> = { connect, ...RAW_TECHNIQUES };

const nmapFlags = Object.fromEntries(TECHNIQUES.map((t) => [t, TECHNIQUE_TABLE[t].nmapFlag]));

/** nmap's `-s` letter for each technique (`-sT`, `-sS`, …), as the table says it. */
export const NMAP_FLAG = nmapFlags as Readonly<Record<Technique, string>>;
