import { basename, dirname, join } from 'node:path';

/**
 * The bundled PortLab CLI (`out/cli.js`), whose subcommands the helper and the askpass program are.
 * In the bundles (out/cli.js, out/extension.js) this code runs from out/ itself; run from the sources
 * (the unit tests, through tsx) it is src/helper/, two levels below the checkout holding out/.
 */
export function portlabCliPath(): string {
  return basename(__dirname) === 'out' ? join(__dirname, 'cli.js') : join(__dirname, '..', '..', 'out', 'cli.js');
}

/** The CLI's bundle, which `cli.js` beside it starts (with V8's code cache: src/cli/start.ts). */
export function cliBundleOf(cli: string): string {
  return join(dirname(cli), 'portlab.js');
}
