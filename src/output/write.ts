import type { ScanHead } from '../protocol';
import { nmapRun } from './nmap-model';
import { writeNmapNormalOfRun } from './nmap-normal';
import { writeNmapXmlOfRun } from './nmap-xml';
import type { BareResultSource } from './result-source';
import { writeTextFile } from './text-sink';

export interface OutputFiles {
  /** `-oX FILE`: nmap XML */
  xml?: string;
  /** `-oN FILE`: nmap normal text */
  normal?: string;
}

/**
 * Writes the files a scan was asked for (`-oX`, `-oN`), port by port from `results`; called by `portlab scan`
 * once the scan ends.
 */
export function writeScanOutputs(head: ScanHead, results: BareResultSource, files: OutputFiles): void {
  if (!files.xml && !files.normal) return;
  // One walk over the results serves both files.
  const run = nmapRun(head, results);
  if (files.xml) writeTextFile(files.xml, (sink) => writeNmapXmlOfRun(sink, head, run));
  if (files.normal) writeTextFile(files.normal, (sink) => writeNmapNormalOfRun(sink, head, run));
}
