import type * as vscode from 'vscode';
import { describedLabIds } from '../lab/description-file';
import { upLabSavedDescription } from './lab-targets';
import type { ResultsStore } from './results-store';

/**
 * How often the labs' saved descriptions are looked for: a directory listing and, per lab that is up, one
 * stat of its description; a description is read and checked only when its file is new or changed.
 */
const LAB_POLL_MS = 3000;

/**
 * Puts the target of every lab that is up into the tree, with its description, whoever started the lab
 * (root from a terminal, before the editor opened): the student finds it there without doing anything.
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
      const target = lab?.hosts.find((h) => h.role === 'target')?.address;
      if (!lab || !target) continue;
      // A description recorded at a scan stays: it is the lab as it was scanned.
      const recorded = store.get(target)?.lab !== undefined;
      store.addTarget(target, lab.id);
      if (!recorded) store.recordLab(target, lab);
    }
  };
  sync();
  const timer = setInterval(sync, LAB_POLL_MS);
  return { dispose: () => clearInterval(timer) };
}
