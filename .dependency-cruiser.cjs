// The layers of docs/architecture.md as rules: a module may import only the layers listed for its
// own (and itself); no cycles anywhere. `npm run lint` runs this, so a wrong-direction import fails CI.
const LAYERS = {
  base: [],
  wire: ['base'],
  protocol: ['base'],
  technique: ['base', 'wire', 'protocol'],
  link: ['base', 'wire', 'protocol'],
  engine: ['base', 'wire', 'protocol', 'technique', 'link'],
  analysis: ['base', 'wire', 'protocol', 'technique'],
  lab: ['base', 'protocol'],
  output: ['base', 'protocol', 'technique'],
  report: ['base', 'wire', 'protocol', 'technique', 'analysis', 'output'],
  helper: ['base', 'wire', 'protocol', 'technique', 'link', 'engine', 'lab', 'output'],
  check: ['base', 'wire', 'protocol', 'technique', 'link', 'engine', 'analysis', 'lab', 'output', 'helper'],
  cli: ['base', 'wire', 'protocol', 'technique', 'link', 'engine', 'analysis', 'lab', 'output', 'report', 'helper', 'check'],
  extension: ['base', 'wire', 'protocol', 'technique', 'engine', 'analysis', 'lab', 'output', 'report', 'helper', 'check'],
};

const layerRules = Object.entries(LAYERS).map(([layer, allowed]) => ({
  name: `layer-${layer}`,
  comment: `src/${layer} may import only ${allowed.length ? allowed.map((l) => `src/${l}`).join(', ') : 'no other layer'}`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^(src|webview)/', pathNot: [`^src/${layer}/`, ...allowed.map((l) => `^src/${l}/`)] },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'link-protocol-types-only',
      comment: 'src/link may use the shared protocol types (what it returns), never protocol code',
      severity: 'error',
      from: { path: '^src/link/' },
      to: { path: '^src/protocol/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'webview-protocol-only',
      comment: 'webview/ is browser code: it shares only the protocol (message types) with the extension',
      severity: 'error',
      from: { path: '^webview/' },
      to: { path: '^src/', pathNot: ['^src/protocol/'] },
    },
    {
      name: 'vscode-only-in-extension',
      comment: 'only src/extension imports vscode',
      severity: 'error',
      from: { pathNot: '^(src/extension|test/e2e)/' },
      to: { path: '^vscode$', dependencyTypes: ['core', 'npm', 'npm-dev', 'unknown', 'undetermined'] },
    },
    {
      name: 'native-only-in-link',
      comment: 'only src/link touches the native layer (its loader and its interfaces)',
      severity: 'error',
      from: { pathNot: '^src/link/' },
      to: { path: '^src/link/native-(addon|layer)\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'imports only point down: no module reaches itself again',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
