import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capturePath, copyCaptureFile, labPath, writeLabFile, writeResultsFile } from '../output/out-folder';
import type { LabDescription } from '../protocol/lab';
import { TECHNIQUES, type ScanDocument, type Technique } from '../protocol/scan';
import { loadReportInput, renderReport, type ReportLang } from '../report';

export interface ReportFolderInput {
  doc: ScanDocument;
  lab?: LabDescription;
  /** each technique's pcap where the scan wrote it */
  captures: Partial<Record<Technique, string>>;
}

export interface WrittenReport {
  path: string;
  /** captures that could not be copied, with why */
  unreadable: { technique: Technique; path: string; problem: string }[];
}

/**
 * Writes a report into `dir` with everything it links to, in the layout of `portlab scan --out DIR`
 * (results.json, lab.json, <technique>.pcap): the folder can be handed in whole, and `portlab report DIR`
 * renders the same report from it. A capture that cannot be read is named in the report, not fatal.
 */
export async function writeReportFolder(dir: string, reportName: string, input: ReportFolderInput, lang: ReportLang): Promise<WrittenReport> {
  mkdirSync(dir, { recursive: true });
  const { results, ...head } = input.doc;
  await writeResultsFile(dir, head, results);
  // What an earlier report of this target left must not stand in for what this one lacks.
  if (input.lab) await writeLabFile(dir, input.lab);
  else rmSync(labPath(dir), { force: true });
  const unreadable: WrittenReport['unreadable'] = [];
  for (const technique of TECHNIQUES) {
    rmSync(capturePath(dir, technique), { force: true });
    const source = input.captures[technique];
    if (!source) continue;
    try {
      copyCaptureFile(dir, technique, source);
    } catch (err) {
      rmSync(capturePath(dir, technique), { force: true });
      unreadable.push({ technique, path: source, problem: err instanceof Error ? err.message : String(err) });
    }
  }
  const path = join(dir, reportName);
  const report = loadReportInput(dir, path);
  report.unreadableCaptures = Object.fromEntries(unreadable.map((u) => [u.technique, u.path]));
  writeFileSync(path, renderReport(report, { lang }));
  return { path, unreadable };
}
