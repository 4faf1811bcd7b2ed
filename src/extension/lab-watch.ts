import type * as vscode from 'vscode';
import { describedLabIds } from '../lab/description-file';
import { labTreeTargets, upLabSavedDescription } from './lab-targets';
import type { ResultsStore } from './results-store';

/**
 * How often the labs' saved descriptions are looked for: a directory listing and, per lab that is up, one
 * stat of its description; a description is read and checked only when its file is new or changed.
 */
const LAB_POLL_MS = 3000;

/**
 * Puts the hosts of every lab that is up a student scans (labTreeTargets) into the tree, with the lab's
 * description, whoever started the lab (root from a terminal, before the editor opened): the student finds
 * them there without doing anything.
 * Polled, because /run/portlab may not exist yet and a watch cannot be set on what is not there.
 */
export function watchLabs(store: ResultsStore): vscode.Disposable {
  const known = new Set<string>();
  const sync = () => {
    for (const id of describedLabIds()) {
      const saved = upLabSavedDescription(id);
      if (!saved) continue;
      // The key holds the file's stamp: a lab started again writes its description again and is described again.
      const key = `${id}:${saved.stamp}`;
      if (known.has(key)) continue;
      known.add(key);
      const lab = saved.description;
      if (!lab) continue;
      for (const address of labTreeTargets(lab)) {
        // A description recorded at a scan stays: it is the lab as it was scanned.
        const recorded = store.get(address)?.lab !== undefined;
        store.addTarget(address, lab.id);
        if (!recorded) store.recordLab(address, lab);
      }
    }
  };
  sync();
  const timer = setInterval(sync, LAB_POLL_MS);
  return { dispose: () => clearInterval(timer) };
}
