import { chmodSync, closeSync, copyFileSync, fchmodSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureFileName, CheckDocument, type LabDescription, type PortResult, type ScanHead, type Technique } from '../protocol';
import { writeScanJson } from './scan-json';
import { resultTexts } from './result-source';
import { readJsonFileIfValid } from '../base/json-file';

/*
 * A scan's `--out` folder, which `portlab report DIR` reads and the editor's report folder copies:
 * results.json, lab.json (the lab scanned, when it was a PortLab lab), <technique>.pcap, and nmap/
 * with nmap's XML per technique and runs.json (what each nmap run was, or why it did not run).
 * `portlab check --out DIR` adds check.json and check/ with each run's capture and output.
 */

export const RESULTS_FILE = 'results.json';
const LAB_FILE = 'lab.json';
const NMAP_DIR = 'nmap';
const CHECK_FILE = 'check.json';
const CHECK_DIR = 'check';

/** Set exactly, whatever the umask or an earlier file's mode: every file here names hosts and ports of a lab. */
const FILE_MODE = 0o600;

export function resultsPath(dir: string): string {
  return join(dir, RESULTS_FILE);
}

export function labPath(dir: string): string {
  return join(dir, LAB_FILE);
}

export function capturePath(dir: string, technique: Technique): string {
  return join(dir, captureFileName(technique));
}

export function nmapDirPath(dir: string): string {
  return join(dir, NMAP_DIR);
}

export function nmapXmlPath(dir: string, technique: Technique): string {
  return join(nmapDirPath(dir), `${technique}.xml`);
}

export function nmapRunsPath(dir: string): string {
  return join(nmapDirPath(dir), 'runs.json');
}

export function checkPath(dir: string): string {
  return join(dir, CHECK_FILE);
}

/** One run of a checked program, relative to the folder: check/<technique>-<port>.pcap and .out.txt. */
export function checkRunFiles(technique: Technique, port: number): { capture: string; output: string } {
  const stem = `${CHECK_DIR}/${technique}-${port}`;
  return { capture: `${stem}.pcap`, output: `${stem}.out.txt` };
}

/** Opens `path` to be written from its start, with the folder's file mode. */
function openFolderFile(path: string): number {
  const fd = openSync(path, 'w', FILE_MODE);
  try {
    fchmodSync(fd, FILE_MODE);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/**
 * Writes a file of the folder whole, piece by piece as `fill` hands them over, into a temporary file renamed over
 * it at the end: until then the earlier file stays whole, for a reader, for `fill` itself (a merge reads it), and
 * when the write fails (disk full).
 */
async function writeFolderFile(path: string, fill: (write: (text: string) => void) => void | Promise<void>): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    const fd = openFolderFile(tmp);
    try {
      await fill((text) => writeFileSync(fd, text));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    // The user knows the folder's file, not the temporary one: the error names the file it was for.
    const failed = err as NodeJS.ErrnoException;
    if (failed.path === tmp) {
      failed.message = failed.message.replace(tmp, path);
      failed.path = path;
    }
    throw err;
  }
}

function writeJsonFile(path: string, value: unknown): Promise<void> {
  return writeFolderFile(path, (write) => write(`${JSON.stringify(value, null, 2)}\n`));
}

/** DIR/results.json, pretty-printed; `results` are taken one at a time (a full-range scan's are tens of MB). */
export function writeResultsFile(dir: string, head: ScanHead, results: Iterable<PortResult>): Promise<void> {
  return writeFolderFile(resultsPath(dir), async (write) => {
    await writeScanJson(write, head, resultTexts(results, true), true);
    write('\n');
  });
}

/** DIR/lab.json: the lab as `portlab lab status --json` describes it. */
export function writeLabFile(dir: string, lab: LabDescription): Promise<void> {
  return writeJsonFile(labPath(dir), lab);
}

/** DIR/nmap/, made (with its parents) when missing, before nmap's files are written into it. */
export function makeNmapDir(dir: string): void {
  mkdirSync(nmapDirPath(dir), { recursive: true });
}

/** DIR/nmap/<technique>.xml: nmap's own output of the technique's run. */
export function writeNmapXml(dir: string, technique: Technique, xml: string): Promise<void> {
  return writeFolderFile(nmapXmlPath(dir, technique), (write) => write(xml));
}

/** DIR/nmap/runs.json: per technique, what nmap was run as and when, or why it was not run. */
export function writeNmapRuns(dir: string, records: Partial<Record<Technique, object>>): Promise<void> {
  return writeJsonFile(nmapRunsPath(dir), records);
}

/** Copies a capture into DIR as <technique>.pcap, with the folder's file mode rather than the original's. */
export function copyCaptureFile(dir: string, technique: Technique, source: string): void {
  const copy = capturePath(dir, technique);
  copyFileSync(source, copy);
  chmodSync(copy, FILE_MODE);
}

/** DIR/check/, made (with its parents) when missing, before the runs' files are written into it. */
export function makeCheckDir(dir: string): void {
  mkdirSync(join(dir, CHECK_DIR), { recursive: true });
}

/** DIR/check/<technique>-<port>.pcap, which the check's capture writes itself. */
export function checkCapturePath(dir: string, technique: Technique, port: number): string {
  return join(dir, checkRunFiles(technique, port).capture);
}

/** DIR/check/<technique>-<port>.out.txt: what one run of the program printed. */
export function writeCheckOutput(dir: string, technique: Technique, port: number, text: string): Promise<void> {
  return writeFolderFile(join(dir, checkRunFiles(technique, port).output), (write) => write(text));
}

/** DIR/check.json: the check's document, as `portlab check --json` prints it. */
export function writeCheckFile(dir: string, doc: CheckDocument): Promise<void> {
  return writeJsonFile(checkPath(dir), doc);
}

/** The check already in DIR/check.json, if there is a readable one. */
export function readCheckFile(dir: string): CheckDocument | undefined {
  return readJsonFileIfValid(checkPath(dir), CheckDocument);
}
