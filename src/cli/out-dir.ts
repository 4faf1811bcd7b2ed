import { labEndOf, labOfAddress, labStatus } from '../lab';
import { ScanDocument, type LabDescription, type PortResult } from '../protocol';
import { mergeScanDocuments } from '../report';
import { resultsPath, writeLabFile, writeResultsFile } from '../output/out-folder';
import { readJsonFileIfValid } from '../base/json-file';

/** The scan already in DIR/results.json, if there is a readable one. */
function previousScan(dir: string): ScanDocument | undefined {
  return readJsonFileIfValid(resultsPath(dir), ScanDocument);
}

/** The lab (one that is up) one of whose hosts (the target, the stateless host… over IPv4 or IPv6) is one of `targets`. */
async function labOfTargets(targets: readonly string[]): Promise<LabDescription | undefined> {
  for (const target of targets) {
    const topo = labOfAddress(target);
    if (!topo || !labEndOf(topo, target)) continue;
    try {
      const lab = await labStatus(topo.id);
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
    await writeResultsFile(dir, mergedHead, merged);
  } else await writeResultsFile(dir, head, results);
  const lab = await labOfTargets(targets);
  if (lab) await writeLabFile(dir, lab);
}
