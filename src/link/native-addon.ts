import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../base/errors';
import type { NativeLayer } from './native-layer';

const ADDON = join('build', 'Release', 'portlab_native.node');

/**
 * Where the addon may be: beside out/ in the bundle and the .vsix (__dirname is out/), beside src/ when the
 * source runs under tsx (__dirname is src/link).
 */
function candidates(): string[] {
  return [join(__dirname, '..', ADDON), join(__dirname, '..', '..', ADDON)];
}

let loaded: NativeLayer | undefined;

/**
 * PortLab's native packet layer (native/, Node-API: one build serves every Node.js and Electron). A missing or
 * broken build is a UserError that says how to rebuild it.
 */
export function loadNativeLayer(): NativeLayer {
  if (loaded) return loaded;
  const file = candidates().find((f) => existsSync(f));
  if (file === undefined)
    throw new UserError(`PortLab's native layer (${ADDON}) is not built: run \`npm rebuild\` (or \`npx node-gyp rebuild\`) in the PortLab folder`);
  try {
    loaded = require(file) as NativeLayer;
  } catch (err) {
    throw new UserError(
      `PortLab's native layer (${file}) does not load: ${(err as Error).message}; rebuild it with \`npm rebuild\` (or \`npx node-gyp rebuild\`) in the PortLab folder`,
    );
  }
  return loaded;
}
