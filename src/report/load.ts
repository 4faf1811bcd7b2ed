import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { z } from 'zod';
import { UserError } from '../engine/errors';
import { LabDescription, ScanDocument, TECHNIQUES, type Technique } from '../protocol';
import type { ReportInput } from './render';

/** The files of a scan's `--out` directory that a report is made of. */
export const RESULTS_FILE = 'results.json';
export const LAB_FILE = 'lab.json';
export const NMAP_DIR = 'nmap';

export function capturePath(dir: string, technique: Technique): string {
  return join(dir, `${technique}.pcap`);
}

export function nmapXmlPath(dir: string, technique: Technique): string {
  return join(dir, NMAP_DIR, `${technique}.xml`);
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
 * Reads DIR/results.json, DIR/lab.json, DIR/<technique>.pcap and DIR/nmap/<technique>.xml. Links to
 * the captures are made relative to where the report will be written, so they work when opened.
 */
export function loadReportInput(dir: string, reportPath: string): ReportInput {
  const resultsPath = join(dir, RESULTS_FILE);
  if (!existsSync(resultsPath)) throw new UserError(`${dir}: no ${RESULTS_FILE} here; write one with 'portlab scan … --out ${dir}'`);
  const doc = readJson(resultsPath, ScanDocument, 'a PortLab scan document');
  const labPath = join(dir, LAB_FILE);
  const lab = existsSync(labPath) ? readJson(labPath, LabDescription, "a lab description ('portlab lab status --json')") : undefined;
  const input: ReportInput = { doc, lab, captures: {}, nmapXml: {} };
  for (const technique of TECHNIQUES) {
    if (!doc.results.some((r) => r.technique === technique)) continue;
    const recorded = doc.summary?.techniques.find((t) => t.technique === technique)?.capture;
    const pcap = [capturePath(dir, technique), recorded].find((p): p is string => p !== undefined && existsSync(p));
    if (pcap) input.captures[technique] = { href: relative(dirname(reportPath), pcap).split(sep).join('/'), bytes: readFileSync(pcap) };
    const xml = nmapXmlPath(dir, technique);
    if (existsSync(xml)) input.nmapXml[technique] = readFileSync(xml, 'utf8');
  }
  return input;
}
