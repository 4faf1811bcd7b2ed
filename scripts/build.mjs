// Bundles the three faces: the CLI/helper (Node), the extension (Node, vscode external) and the
// webviews (browser: the results panel, the capture editor, the Markdown preview's diagrams). The native layer
// is no module of the bundle: src/link/native-addon.ts requires build/Release/portlab_native.node by its path.
import * as esbuild from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
// --outdir=DIR: scripts/package.sh bundles the .vsix's copy apart from the checkout's out/.
const outDir = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'out';
// Whitespace and comments always go: V8 keeps a bundle whose text has one non-ASCII character (a comment's →)
// as a two-byte string, 4 MB instead of 2 MB of the CLI's and the helper's memory.
/**
 * zod's classic API re-exports every one of its 64 error-message languages (`z.locales`), which PortLab never
 * uses (it sets none, and zod's own default, English, is imported by zod apart from them): the bundle keeps English
 * alone, ~20% less text for every start of the CLI and the helper to read and for the editor to load.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /locales\/index\.js$/ }, (args) => {
      const path = join(args.resolveDir, args.path);
      return /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/.test(path) ? { path, namespace: 'zod-english-only' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: join(args.path, '..'),
    }));
  },
};
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  minifyWhitespace: true,
  logLevel: 'warning',
  plugins: [zodEnglishOnly],
};
// Node 18: the helper runs on whatever runtime the editor has (Remote-SSH on Debian 12 or Ubuntu 24.04:
// apt's nodejs 18); package.json's engines.node says the same.
const nodeTarget = 'node18';

const builds = [
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: join(outDir, 'portlab.js'),
    platform: 'node',
    target: nodeTarget,
    format: 'cjs',
  },
  // `portlab`, the helper and the checker start here: it runs portlab.js with V8's code cache (src/cli/start.ts).
  {
    ...common,
    entryPoints: ['src/cli/start.ts'],
    outfile: join(outDir, 'cli.js'),
    platform: 'node',
    target: nodeTarget,
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
  },
];
if (existsSync('src/extension/extension.ts'))
  builds.push({
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: join(outDir, 'extension.js'),
    platform: 'node',
    target: nodeTarget,
    format: 'cjs',
    external: ['vscode'],
  });
if (existsSync('webview/main.ts'))
  builds.push({ ...common, entryPoints: ['webview/main.ts'], outfile: join(outDir, 'webview.js'), platform: 'browser', target: 'es2022', format: 'iife' });
// The capture editor (.pcap/.pcapng opened in PortLab).
if (existsSync('webview/capture-editor.ts'))
  builds.push({
    ...common,
    entryPoints: ['webview/capture-editor.ts'],
    outfile: join(outDir, 'capture-editor.js'),
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  });
// The Markdown preview script that draws the report's Mermaid diagrams (mermaid itself bundled in).
if (existsSync('webview/markdown-preview.ts'))
  builds.push({
    ...common,
    entryPoints: ['webview/markdown-preview.ts'],
    outfile: join(outDir, 'markdown-preview.js'),
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  });

await Promise.all(builds.map((b) => esbuild.build(b)));

// See `common` above: one non-ASCII character doubles the memory of the CLI's and the helper's bundle text.
for (const file of [join(outDir, 'portlab.js'), join(outDir, 'extension.js')]) {
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'latin1');
  const at = text.search(/[^\x00-\x7f]/);
  if (at >= 0) throw new Error(`${file} has a non-ASCII character (write it as a \\u escape in the source): …${text.slice(Math.max(0, at - 60), at + 20)}…`);
}
