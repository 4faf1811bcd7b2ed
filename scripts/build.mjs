// Bundles the three faces: the CLI/helper (Node), the extension (Node, vscode external) and the
// webviews (browser: the results panel, the capture editor, the Markdown preview's diagrams). Native addons stay
// external: they are loaded from node_modules or the .vsix.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
const nodeExternal = ['cap', 'raw-socket'];

const builds = [
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'out/cli.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: nodeExternal,
    banner: { js: '#!/usr/bin/env node' },
  },
];
if (existsSync('src/extension/extension.ts'))
  builds.push({
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'out/extension.js',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', ...nodeExternal],
  });
if (existsSync('webview/main.ts'))
  builds.push({ ...common, entryPoints: ['webview/main.ts'], outfile: 'out/webview.js', platform: 'browser', target: 'es2022', format: 'iife' });
// The capture editor (.pcap/.pcapng opened in PortLab).
if (existsSync('webview/capture-editor.ts'))
  builds.push({
    ...common,
    entryPoints: ['webview/capture-editor.ts'],
    outfile: 'out/capture-editor.js',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  });
// The Markdown preview script that draws the report's Mermaid diagrams (mermaid itself bundled in).
if (existsSync('webview/markdown-preview.ts'))
  builds.push({
    ...common,
    entryPoints: ['webview/markdown-preview.ts'],
    outfile: 'out/markdown-preview.js',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  });

await Promise.all(builds.map((b) => esbuild.build(b)));
