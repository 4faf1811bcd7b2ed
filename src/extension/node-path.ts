import { findOnPath } from '../base/program-path';

/**
 * The Node.js that runs the helper: the setting when given, else `node` on PATH. Not the editor's
 * own executable: in VS Code that is Electron, which cannot load the Node addons of the helper.
 */
export function resolveNodePath(setting: string): string {
  if (setting) return setting;
  // code-server and the tests run the extension host on a real Node.
  return findOnPath('node') ?? (process.versions.electron ? 'node' : process.execPath);
}
