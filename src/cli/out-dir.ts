import { labEndOf, labOfAddress, labStatus } from '../lab';
import { PortResult, ScanDocument, type BarePortResult, type LabDescription, type ScanHead } from '../protocol';
import { mergeScanDocuments, mergeScanHeads, resultKey } from '../report/merge';
import { resultsPath, writeLabFile, writeResultsFile } from '../output/out-folder';
import { NotAScanJsonFile, readScanJsonPieces } from '../output/scan-json';
import { readJsonFileIfValid } from '../base/json-file';

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
 * so that `portlab report DIR` knows the lab's truth, rules and topology. `results` builds the scan's results
 * as they are written, `bare` the same without exchanges (what the scan replaces); each may be walked twice.
 */
export async function saveToOutDir(
  dir: string,
  head: ScanHead,
  results: () => Iterable<PortResult>,
  bare: () => Iterable<BarePortResult>,
  targets: readonly string[],
): Promise<void> {
  await writeMergedResults(dir, head, results, bare);
  const lab = await labOfTargets(targets);
  if (lab) await writeLabFile(dir, lab);
}

/**
 * The earlier scans in DIR/results.json are read a result at a time as the merged file is written (readScanJsonPieces);
 * one not in that file's layout (written by another program) is read whole. A file that is not a scan is replaced.
 */
async function writeMergedResults(dir: string, head: ScanHead, results: () => Iterable<PortResult>, bare: () => Iterable<BarePortResult>): Promise<void> {
  const path = resultsPath(dir);
  const previous = readScanJsonPieces(path, PortResult);
  if (previous) {
    const replaced = new Set<string>();
    for (const r of bare()) replaced.add(resultKey(r));
    const kept = function* () {
      for (const r of previous.results()) if (!replaced.has(resultKey(r))) yield r;
    };
    try {
      return await writeResultsFile(dir, mergeScanHeads(previous.head, head), chain(kept(), results()));
    } catch (err) {
      if (!(err instanceof NotAScanJsonFile)) throw err;
      return writeResultsFile(dir, head, results());
    }
  }
  const whole = readJsonFileIfValid(path, ScanDocument);
  if (!whole) return writeResultsFile(dir, head, results());
  const { results: merged, ...mergedHead } = mergeScanDocuments(whole, { ...head, results: [...results()] });
  return writeResultsFile(dir, mergedHead, merged);
}

function* chain<T>(...parts: Iterable<T>[]): Generator<T> {
  for (const part of parts) yield* part;
}
