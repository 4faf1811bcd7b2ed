import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { labStatus, labTopology } from '../lab';
import { ScanDocument, type LabDescription, type PortResult } from '../protocol';
import { LAB_FILE, mergeScanDocuments, RESULTS_FILE } from '../report';
import { writeScanJson } from '../output/scan-json';

/** The scan already in DIR/results.json, if there is a readable one. */
function previousScan(dir: string): ScanDocument | undefined {
  const path = join(dir, RESULTS_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = ScanDocument.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** results.json, pretty-printed, streamed to the file (0600: it names hosts and ports of a lab). */
async function writeResultsFile(path: string, head: Omit<ScanDocument, 'results'>, results: Iterable<PortResult>): Promise<void> {
  const fd = openSync(path, 'w', 0o600);
  try {
    await writeScanJson((chunk) => void writeSync(fd, chunk), head, results, true);
    writeSync(fd, '\n');
  } finally {
    closeSync(fd);
  }
}

/** The lab (one that is up) whose target is one of `targets`: lab N's target is 198.18.N.2. */
async function labOfTargets(targets: readonly string[]): Promise<LabDescription | undefined> {
  for (const target of targets) {
    const match = /^198\.18\.(\d{1,3})\.2$/.exec(target);
    const id = match ? Number(match[1]) : NaN;
    if (!(id <= 255) || labTopology(id).target.address !== target) continue;
    try {
      const lab = await labStatus(id);
      if (lab.up) return lab;
    } catch {
      // Not root, or `ip`/`nft` missing: then this host runs no lab to describe.
    }
  }
  return undefined;
}

/**
 * Writes a scan into its `--out` directory: results.json, merged with the scans already there, and
 * lab.json (what `portlab lab status --json` prints) when a target belongs to a PortLab lab that is up,
 * so that `portlab report DIR` knows the lab's truth, rules and topology.
 */
export async function saveToOutDir(dir: string, head: Omit<ScanDocument, 'results'>, results: Iterable<PortResult>, targets: readonly string[]): Promise<void> {
  const previous = previousScan(dir);
  if (previous) {
    const { results: merged, ...mergedHead } = mergeScanDocuments(previous, { ...head, results: [...results] });
    await writeResultsFile(join(dir, RESULTS_FILE), mergedHead, merged);
  } else await writeResultsFile(join(dir, RESULTS_FILE), head, results);
  const lab = await labOfTargets(targets);
  if (lab) writeFileSync(join(dir, LAB_FILE), `${JSON.stringify(lab, null, 2)}\n`);
}
