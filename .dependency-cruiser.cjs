// The layers of src/, lowest first (README, "Architecture"). A module may import only from its own layer's folder or a
// lower layer; folders that share a layer do not import each other. `npm run lint` fails on any other import and on
// any circle.
const layers = [
  ['src/tensor/'],
  ['src/autograd/', 'src/kernels/', 'src/reference/'],
  ['src/devices\\.ts$'],
  ['src/nn/'],
  ['src/anomaly/'],
  ['src/cavga/', 'src/baselines/'],
  ['src/detectors\\.ts$'],
  ['src/browser\\.ts$', 'src/cli/'],
  ['src/index\\.ts$'],
];

const anyOf = (paths) => `^(${paths.join('|')})`;
const forbidden = [
  {
    name: 'no-circular',
    comment: 'Modules that import each other cannot be read, tested or replaced one at a time.',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  {
    name: 'no-app-code-in-library',
    comment: 'The library does not import tests, benchmarks, scripts or the demo.',
    severity: 'error',
    from: { path: '^src/' },
    to: { path: '^(test|bench|scripts|demo)/' },
  },
];
layers.forEach((layer, i) => {
  const above = layers.slice(i + 1).flat();
  for (const folder of layer) {
    const siblings = layer.filter((other) => other !== folder);
    const targets = [...above, ...siblings];
    if (targets.length === 0) continue;
    forbidden.push({
      name: `layer-${folder.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}`,
      comment: `${folder} may import only from lower layers (and not from its siblings ${siblings.join(', ') || '-'}).`,
      severity: 'error',
      from: { path: `^${folder}` },
      to: { path: anyOf(targets) },
    });
  }
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
