/**
 * dependency-cruiser rules for src/ (`npm run check:deps`). docs/ARCHITECTURE.md explains the layers.
 *
 * Layers, bottom to top (a layer imports only layers listed below it):
 *
 *   core
 *   data   onnx
 *   model  runtime
 *   ann
 *   train  convert  snn        (siblings: they never import each other)
 *   export pipeline tune experiment report playground
 *   api    (src/api/ and src/index.ts, the package's surface)
 *   cli
 *
 * Rules:
 *   layer-upward          (a) no import from a layer to one above it or beside it
 *   layer-new-edge        (a) a downward import not in ALLOWED below: the edges that exist are listed on purpose;
 *                             a new one is a design decision, so add it to ALLOWED in the same change
 *   no-circular           (b) no cycles at all (type-only imports included)
 *   layer-through-index   (c) another layer is imported only through its index.ts (the api layer through src/index.ts)
 *   onnxruntime-only-in-runtime, protobuf-only-in-onnx   (d)
 *
 * Dynamic `import()` with a literal specifier counts like a static import; type-only imports count too
 * (tsPreCompilationDeps). Only src/ is checked: tests and benchmarks may reach into any layer.
 */

/** Bottom to top. Layers on one line of the diagram above are still ordered here; ALLOWED says what they use. */
const LAYERS = [
  'core', 'data', 'onnx', 'model', 'runtime', 'ann',
  'train', 'convert', 'snn',
  'export', 'pipeline', 'tune', 'experiment', 'report', 'playground',
  'api', 'cli',
];

/**
 * Which layers each layer imports today (all of them point down). Derived from the code on the day this file
 * was written; keep it exact: a layer that stops using another should lose it here too.
 */
const ALLOWED = {
  core: [],
  data: ['core'],
  onnx: ['core'],
  model: ['core', 'onnx'],
  runtime: ['core'],
  ann: ['core', 'data', 'model', 'runtime'],
  train: ['core', 'data', 'model', 'onnx', 'runtime'],
  convert: ['core', 'data', 'model', 'runtime'],
  snn: ['core', 'data', 'model', 'onnx', 'runtime'],
  export: ['core', 'model', 'onnx', 'snn'],
  pipeline: ['core', 'data', 'onnx', 'model', 'runtime', 'ann', 'convert', 'snn'],
  tune: ['core', 'data', 'model', 'runtime', 'ann', 'convert', 'snn', 'pipeline'],
  experiment: ['core', 'data', 'runtime', 'convert', 'snn', 'pipeline'],
  report: ['core', 'snn', 'experiment'],
  playground: ['core', 'data', 'model', 'onnx', 'convert', 'snn', 'export', 'pipeline'],
  api: ['core', 'data', 'model', 'runtime', 'convert', 'snn', 'export', 'pipeline', 'tune', 'experiment'],
  cli: ['core', 'data', 'model', 'runtime', 'ann', 'train', 'convert', 'snn', 'pipeline', 'tune', 'experiment', 'report', 'playground', 'api'],
};

/**
 * Files a layer may import directly instead of through their layer's index.ts: the playground's browser page
 * bundles msat's exit rule (a pure module; snn's index.ts would pull in onnxruntime-node).
 */
const THROUGH_INDEX_EXCEPTIONS = { playground: ['^src/snn/exit/exit-rule\\.ts$'] };

/** Every file of a layer. The api layer is src/api/ plus src/index.ts. */
const files = (layer) => (layer === 'api' ? '^src/(api/|index\\.ts$)' : `^src/${layer}/`);
/** Any file of any of `layers` (a never-matching pattern when there are none). */
const anyOf = (layers) => (layers.length === 0 ? '^$.' : `^src/(${layers.map((l) => (l === 'api' ? 'api/|index\\.ts$' : `${l}/`)).join('|')})`);
/** The one file other layers import a layer through. */
const entry = (layer) => (layer === 'api' ? '^src/index\\.ts$' : `^src/${layer}/index\\.ts$`);

for (const [layer, uses] of Object.entries(ALLOWED)) {
  for (const used of uses) {
    if (LAYERS.indexOf(used) >= LAYERS.indexOf(layer)) throw new Error(`.dependency-cruiser.cjs: ALLOWED.${layer} lists ${used}, which is not below it`);
  }
}

const layerRules = LAYERS.flatMap((layer, i) => {
  const above = LAYERS.slice(i + 1);
  const belowNotAllowed = LAYERS.slice(0, i).filter((l) => !ALLOWED[layer].includes(l));
  const others = LAYERS.filter((l) => l !== layer);
  return [
    {
      name: 'layer-upward',
      comment: `${layer} imports a layer above or beside it (${above.join(', ') || 'none'}). Move the code down or invert the dependency.`,
      severity: 'error',
      from: { path: files(layer) },
      to: { path: anyOf(above) },
    },
    {
      name: 'layer-new-edge',
      comment: `${layer} imports a lower layer it did not use before (it uses: ${ALLOWED[layer].join(', ') || 'nothing'}). If intended, add it to ALLOWED.${layer} in .dependency-cruiser.cjs.`,
      severity: 'error',
      from: { path: files(layer) },
      to: { path: anyOf(belowNotAllowed) },
    },
    {
      name: 'layer-through-index',
      comment: `${layer} reaches into another layer's files: import that layer's index.ts (src/index.ts for the api layer), exporting what is missing there.`,
      severity: 'error',
      from: { path: files(layer) },
      to: { path: anyOf(others), pathNot: [...others.map(entry), ...(THROUGH_INDEX_EXCEPTIONS[layer] ?? [])] },
    },
  ];
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'A cycle of imports (type-only imports included). Break it by moving the shared part down.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'onnxruntime-only-in-runtime',
      comment: 'Only src/runtime/ talks to onnxruntime-node; everything else goes through the runtime layer.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/runtime/' },
      to: { path: '(^|/)node_modules/onnxruntime-(node|common)/' },
    },
    {
      name: 'protobuf-only-in-onnx',
      comment: 'Only src/onnx/ touches the ONNX protobuf (onnx-proto, protobufjs); everything else uses its plain objects.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/onnx/' },
      to: { path: '(^|/)node_modules/(onnx-proto|protobufjs)/' },
    },
    {
      name: 'playground-page-browser-only',
      comment:
        'src/playground/page/ runs in the browser: it imports its own modules, msat\'s exit rule (pure) and onnxruntime-web, nothing of Node.',
      severity: 'error',
      from: { path: '^src/playground/page/' },
      to: { pathNot: ['^src/playground/page/', '^src/snn/exit/exit-rule\\.ts$', '(^|/)node_modules/onnxruntime-web/'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing: a typo, or a package missing from package.json.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // ESM packages whose "exports" offer only "import"/"types" conditions (h5wasm, vega-lite's type imports)
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
