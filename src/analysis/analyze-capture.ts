import { UserError } from '../base/errors';
import type { Technique } from '../protocol';
import { readCapture, type CaptureContents, type CaptureFormat, type ReadStop } from '../wire/pcap';
import { decodeRecords } from './captured-packets';
import { crossTechniqueFindings, type CrossFinding } from './cross-technique';
import { analyzeExchange, type AnalyzedExchange } from './exchange-analysis';
import { groupExchanges } from './exchange-grouping';
import { icmpErrorsOf, type IcmpErrorSent } from './icmp-rate-limit';
import { findLateAnswers } from './late-answers';
import { findIdleScan } from './idle-analysis';

/** What a capture file shows of the port scans in it, checked against the textbook. */
export interface CaptureAnalysis {
  format: CaptureFormat;
  /** packets read from the file */
  packets: number;
  exchanges: AnalyzedExchange[];
  /** where techniques disagree about a port; frames are this capture's (source 0) */
  crossTechnique: CrossFinding[];
  /** packets in no exchange */
  unattributed: number;
  /** second copies of a packet captured on two interfaces, left out of the exchanges */
  duplicates: number;
  /** the file is damaged or cut short here: every packet before it was analysed */
  stoppedAt?: ReadStop & { error: string };
  /** one line per link type some packets have that PortLab cannot decode (those count as unattributed) */
  unsupportedLinkTypes: string[];
  /** the ICMP errors in the capture, for a cross-technique check across several captures */
  icmpErrors: IcmpErrorSent[];
}

/**
 * Rebuilds every scan exchange of a pcap or pcapng file, whoever made it (PortLab, nmap, a student's
 * program), and checks each against the technique table and the textbook. Throws a UserError only
 * when the bytes are not a capture; a damaged or cut file gives every packet before the damage.
 */
export function analyzeCapture(bytes: Uint8Array, options: AnalyzeOptions = {}): CaptureAnalysis {
  return analyzeContents(readCapture(bytes), options);
}

export interface AnalyzeOptions {
  /**
   * The technique of the capture's exchanges, when its maker says so (PortLab writes one pcap per
   * technique): it settles connect or SYN, which the wire cannot tell on a closed or filtered port.
   */
  technique?: Technique;
}

/** analyzeCapture on a capture already read (readCaptureFile). */
export function analyzeContents(contents: CaptureContents, options: AnalyzeOptions = {}): CaptureAnalysis {
  if (!contents.format) throw new UserError(contents.error ?? 'not a pcap or pcapng file');
  const { packets, duplicates } = decodeRecords(contents.records);
  const startMicros = packets.reduce((min, p) => Math.min(min, p.tMicros), packets[0]?.tMicros ?? 0);
  // An idle scan's packets are rounds of a third host's IP ID, not probes and answers: read apart.
  const idle = findIdleScan(contents, packets, startMicros);
  const grouping = groupExchanges(idle ? packets.filter((p) => !idle.frames.has(p.frame)) : packets);
  const late = findLateAnswers(grouping.exchanges);
  const exchanges = [...(idle?.exchanges ?? []), ...grouping.exchanges.map((e) => analyzeExchange(e, late.get(e), startMicros, options.technique))];
  const icmpErrors = icmpErrorsOf(packets);
  const stop = contents.stoppedAt && { ...contents.stoppedAt, error: contents.error ?? 'the file is damaged' };
  return {
    format: contents.format,
    packets: contents.records.length,
    exchanges,
    crossTechnique: crossTechniqueFindings([{ exchanges, icmpErrors }]),
    unattributed: grouping.unattributed,
    duplicates,
    ...(stop ? { stoppedAt: stop } : {}),
    unsupportedLinkTypes: contents.unsupportedLinkTypes,
    icmpErrors,
  };
}
