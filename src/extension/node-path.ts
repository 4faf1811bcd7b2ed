import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The Node.js that runs the helper: the setting when given, else `node` on PATH. Not the editor's
 * own executable: in VS Code that is Electron, which cannot load the Node addons of the helper.
 */
export function resolveNodePath(setting: string): string {
  if (setting) return setting;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'node');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  // code-server and the tests run the extension host on a real Node.
  return process.versions.electron ? 'node' : process.execPath;
}
