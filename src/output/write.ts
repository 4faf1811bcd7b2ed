import { writeFile } from 'node:fs/promises';
import type { ScanDocument } from '../protocol';
import { toNmapNormal } from './nmap-normal';
import { toNmapXml } from './nmap-xml';

export interface OutputFiles {
  /** `-oX FILE`: nmap XML */
  xml?: string;
  /** `-oN FILE`: nmap normal text */
  normal?: string;
}

/** Writes the files a scan was asked for (`-oX`, `-oN`); called by `portlab scan` once the scan ends. */
export async function writeScanOutputs(doc: ScanDocument, files: OutputFiles): Promise<void> {
  if (files.xml) await writeFile(files.xml, toNmapXml(doc));
  if (files.normal) await writeFile(files.normal, toNmapNormal(doc));
}
