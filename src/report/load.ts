import { existsSync, readFileSync } from 'node:fs';
import type { z } from 'zod';
import { UserError } from '../base/errors';
import { capturePath, checkPath, labPath, nmapRunsPath, nmapXmlPath, RESULTS_FILE, resultsPath } from '../output/out-folder';
import { readScanJsonPieces } from '../output/scan-json';
import { BarePortResult, BareScanDocument, CheckDocument, LabDescription, TECHNIQUES, type Technique } from '../protocol';
import { parseNmapXml } from './nmap';
import { nmapRunMismatch, NmapRunRecords, techniqueStartedAt, type NmapNote, type NmapRunRecord } from './nmap-record';
import type { ReportInput } from './render';
import type { ScannerCheck } from './scanner-section';
import { hrefFrom } from './markdown';

/** DIR/nmap/runs.json: what the last `--with-nmap` did per technique (empty when missing or unreadable). */
export function readNmapRuns(dir: string): NmapRunRecords {
  const path = nmapRunsPath(dir);
  if (!existsSync(path)) return {};
  try {
    const parsed = NmapRunRecords.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/**
 * What the report uses and says of nmap for one technique: its XML only when it is this scan's (an
 * XML left by an earlier scan in the same directory is named, not used), or why nmap was not run.
 */
function nmapOf(dir: string, doc: BareScanDocument, technique: Technique, record: NmapRunRecord | undefined): { xml?: string; note?: NmapNote } {
  const path = nmapXmlPath(dir, technique);
  const scanStart = techniqueStartedAt(doc, technique);
  if (existsSync(path)) {
    const xml = readFileSync(path, 'utf8');
    const run = parseNmapXml(xml);
    const stale = nmapRunMismatch(run, doc, technique);
    if (stale) return { note: { kind: 'stale', why: stale } };
    const at = record && !record.problem ? record.at : new Date(run!.start! * 1000).toISOString();
    return { xml, note: { kind: 'ran', at, command: record && !record.problem ? record.command.join(' ') : run!.args } };
  }
  if (record?.problem && record.at >= scanStart) return { note: { kind: 'not-run', at: record.at, problem: record.problem } };
  return {};
}

function readJson<T>(path: string, schema: z.ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`${path}: not readable as JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${path}: not ${what} (${issue ? `${issue.path.join('.') || 'top level'}: ${issue.message}` : 'invalid'})`);
  }
  return parsed.data;
}

/**
 * DIR/results.json without the results' exchanges, which are most of the file: the report rebuilds every
 * exchange from the captures. A result at a time where the scan wrote it so, which spares a full-range scan's
 * whole text and its parse (the results it keeps: 44 MB of heap read whole, 21 MB this way); any other layout,
 * or a result that does not read, is read whole, and so gets the whole read's message.
 */
function readScanDocument(path: string): BareScanDocument {
  const pieces = readScanJsonPieces(path, BarePortResult);
  if (pieces) {
    try {
      return { ...pieces.head, results: [...pieces.results()] };
    } catch {
      // read whole below, which names what is wrong
    }
  }
  return readJson(path, BareScanDocument, 'a PortLab scan document');
}

/** DIR/check.json, when `portlab check --out DIR` wrote one. */
export function readScannerCheck(dir: string, reportPath: string): ScannerCheck | undefined {
  const path = checkPath(dir);
  if (!existsSync(path)) return undefined;
  return { doc: readJson(path, CheckDocument, 'a PortLab check document'), folderHref: hrefFrom(reportPath, dir) || '.' };
}

/**
 * Reads DIR/results.json, DIR/lab.json, DIR/<technique>.pcap, DIR/nmap/<technique>.xml and DIR/nmap/runs.json. Links to
 * the captures are made relative to where the report will be written, so they work when opened.
 */
export function loadReportInput(dir: string, reportPath: string): ReportInput {
  const results = resultsPath(dir);
  const scanner = readScannerCheck(dir, reportPath);
  if (!existsSync(results) && !scanner)
    throw new UserError(`${dir}: no ${RESULTS_FILE} here; write one with 'portlab scan … --out ${dir}' (or 'portlab check … --out ${dir}')`);
  // A folder of `portlab check` alone reports on the student's program only: a scan document with no port.
  const doc = existsSync(results) ? readScanDocument(results) : { tool: scanner!.doc.tool, startedAt: scanner!.doc.startedAt, results: [] };
  const labFile = labPath(dir);
  const lab = existsSync(labFile) ? readJson(labFile, LabDescription, "a lab description ('portlab lab status --json')") : undefined;
  const nmapNotes: NonNullable<ReportInput['nmapNotes']> = {};
  const input: ReportInput = { doc, lab, captures: {}, nmapXml: {}, nmapNotes, scanner };
  const runs = readNmapRuns(dir);
  for (const technique of TECHNIQUES) {
    if (!doc.results.some((r) => r.technique === technique)) continue;
    const recorded = doc.summary?.techniques.find((t) => t.technique === technique)?.capture;
    const pcap = [capturePath(dir, technique), recorded].find((p): p is string => p !== undefined && existsSync(p));
    if (pcap) input.captures[technique] = { href: hrefFrom(reportPath, pcap), bytes: readFileSync(pcap) };
    const nmap = nmapOf(dir, doc, technique, runs[technique]);
    if (nmap.xml !== undefined) input.nmapXml[technique] = nmap.xml;
    if (nmap.note) nmapNotes[technique] = nmap.note;
  }
  return input;
}
