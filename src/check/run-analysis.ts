import { analyzeContents } from '../analysis/analyze-capture';
import type { Deviation } from '../analysis/deviations';
import type { AnalyzedTechnique, ExchangePacket } from '../protocol';
import { LINKTYPE_ETHERNET } from '../wire';
import type { RunFrame } from './check-runs';

/** What one run's packets show, by `portlab analyze`'s rules. */
export interface RunAnalysis {
  /** the technique its probes are on the wire, recognised from them (not the one the program claims) */
  technique: AnalyzedTechnique;
  /** its packets in capture order; frame numbers are those of the run's own capture */
  packets: ExchangePacket[];
  deviations: Deviation[];
  matchesTextbook: boolean;
}

/**
 * The run's capture analysed as `portlab analyze` analyses any capture: the exchange with the run's
 * port, as a program we know nothing of made it. A program that retried from another source port
 * after the retry window makes two exchanges: they are one run, so they are read as one. Undefined
 * when the program exchanged nothing with the port.
 */
export function analyzeRun(frames: readonly RunFrame[], target: string, port: number): RunAnalysis | undefined {
  if (frames.length === 0) return undefined;
  const analysis = analyzeContents({
    format: 'pcap',
    records: frames.map((f) => ({ linkType: LINKTYPE_ETHERNET, interfaceId: 0, tsMicros: f.capturedAt, data: f.data, origLen: f.data.length })),
    truncated: false,
    unsupportedLinkTypes: [],
  });
  const exchanges = analysis.exchanges.filter((e) => e.target === target && e.port === port);
  if (exchanges.length === 0) return undefined;
  return {
    technique: exchanges[0]!.technique,
    packets: exchanges.flatMap((e) => e.packets).sort((a, b) => a.frame! - b.frame!),
    deviations: exchanges.flatMap((e) => e.deviations),
    matchesTextbook: exchanges.every((e) => e.matchesTextbook),
  };
}
