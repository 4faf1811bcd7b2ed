import type { ScanHead } from './nmap-model';
import { writeNmapNormal } from './nmap-normal';
import { writeNmapXml } from './nmap-xml';
import type { ResultSource } from './result-source';
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
export function writeScanOutputs(head: ScanHead, results: ResultSource, files: OutputFiles): void {
  if (files.xml) writeTextFile(files.xml, (sink) => writeNmapXml(sink, head, results));
  if (files.normal) writeTextFile(files.normal, (sink) => writeNmapNormal(sink, head, results));
}
