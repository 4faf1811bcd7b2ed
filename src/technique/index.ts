import { TECHNIQUES, type Technique } from '../protocol';
import { ack } from './ack';
import { connect } from './connect';
import { fin } from './fin';
import { idle } from './idle';
import { maimon } from './maimon';
import { nullScan } from './null';
import { syn } from './syn';
import type { ConnectTechnique, IdleTechnique, RawTechnique } from './types';
import { udp } from './udp';
import { windowScan } from './window';
import { xmas } from './xmas';

export { connectErrnoForIcmp, connectErrnoForIcmpv6, connectUnreachableVerdicts } from './connect';
export { ipIdAfter, ipIdDistance, ipIdSequenceClass, IPID_SEQUENCE_WORDS, wrapIpId, type IpIdBits, type IpIdSequence } from './ipid-sequence';
export type {
  Answer,
  ConnectTechnique,
  IdleTechnique,
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

type RawTechniqueName = Exclude<Technique, 'connect' | 'idle'>;

/** The techniques that send their own packets, run by the engine's raw scan loop. */
export const RAW_TECHNIQUES: Readonly<Record<RawTechniqueName, RawTechnique>> = { syn, xmas, fin, null: nullScan, udp, ack, window: windowScan, maimon };

/**
 * The one technique table: what each technique is called, what it sends, how each answer and silence
 * classify, and what the textbook expects. The engine classifies live answers with it and the report
 * checks captured ones with it, so the two cannot disagree.
 */
export const TECHNIQUE_TABLE: Readonly<{ connect: ConnectTechnique; idle: IdleTechnique } & Record<RawTechniqueName, RawTechnique>> = {
  connect,
  ...RAW_TECHNIQUES,
  idle,
};

const nmapFlags = Object.fromEntries(TECHNIQUES.map((t) => [t, TECHNIQUE_TABLE[t].nmapFlag]));

/** nmap's `-s` letter for each technique (`-sT`, `-sS`, …), as the table says it. */
export const NMAP_FLAG = nmapFlags as Readonly<Record<Technique, string>>;
