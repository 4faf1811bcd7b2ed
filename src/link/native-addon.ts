import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../base/errors';

/**
 * Loads a native addon (`cap`, `raw-socket`) built for the Node.js that runs this process. The
 * packaged extension carries one build per Node ABI under prebuilds/node-v<ABI>/<name>/ (the helper
 * runs under whatever Node the student has, not the editor's); a source checkout has none and uses
 * node_modules. __dirname is out/ in the bundle, so prebuilds/ is its sibling.
 */
export function loadNative<T>(name: 'cap' | 'raw-socket'): T {
  const prebuilds = join(__dirname, '..', 'prebuilds');
  if (!existsSync(prebuilds)) return require(name) as T;
  const abi = process.versions.modules;
  const dir = join(prebuilds, `node-v${abi}`, name);
  let broken: Error | undefined;
  if (existsSync(dir)) {
    try {
      return require(dir) as T;
    } catch (err) {
      broken = err as Error;
    }
  }
  // A source checkout may hold prebuilds (being packaged, or for other Nodes) and still have its own
  // build in node_modules.
  try {
    return require(name) as T;
  } catch {
    if (broken) throw new UserError(`PortLab's ${name} addon for Node.js ${process.version} does not load: ${broken.message}`);
  }
  const built = readdirSync(prebuilds)
    .map((d) => /^node-v(\d+)$/.exec(d)?.[1])
    .filter((x): x is string => x !== undefined);
  const versions = built.map((b) => NODE_OF_ABI[b] ?? `ABI ${b}`).join(', ');
  throw new UserError(
    `PortLab's ${name} addon has no build for Node.js ${process.version} (ABI ${abi}); it has builds for ${versions}. Install one of those and set "portlab.nodePath" to it.`,
  );
}

const NODE_OF_ABI: Record<string, string> = { '115': 'Node.js 20', '127': 'Node.js 22', '137': 'Node.js 24' };
