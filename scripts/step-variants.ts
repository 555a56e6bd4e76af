// Wall time of one `cavga train` step for variants of the default model, side by side in one process: the variants
// take turns step by step (so load from other processes falls on all of them alike), and the table gives each one's
// median and its ratio to the first. Settings as `cavga train` takes them, one variant per --variant.
//
//   npx tsx scripts/step-variants.ts [--steps 12] [--variant ""] [--variant "w-adv=0"] [--variant "w-adv=0,w-ae=0"]

import { parseArgs } from 'node:util';
import { syntheticGood } from '../src/anomaly/data/index.ts';
import { createDetector } from '../src/detectors.ts';
import { init } from '../src/devices.ts';
import { tensor } from '../src/tensor/creation.ts';
import type { StepDetector } from '../src/anomaly/detector.ts';
import type { Settings } from '../src/anomaly/settings.ts';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '12' }, variant: { type: 'string', multiple: true } },
});
const steps = Number(values.steps);
const variants = values.variant ?? ['', 'w-adv=0', 'w-adv=0,w-ae=0'];
const settingsOf = (spec: string): Settings =>
  Object.fromEntries(
    spec
      .split(',')
      .filter(Boolean)
      .map((kv) => {
        const [k, v] = kv.split('=');
        return [k, Number.isNaN(Number(v)) ? v : Number(v)];
      }),
  );

const gpu = await init();
const size = 64;
const n = 16;
const pixels = new Float32Array(n * 3 * size * size);
for (let k = 0; k < n; k++) {
  // Planar RGB in [0, 1], mapped to the model's [-1, 1] as the data loader does.
  syntheticGood(0, 'weave', 'train', k, size).data.forEach((v, i) => (pixels[k * 3 * size * size + i] = v * 2 - 1));
}
const detectors = variants.map(
  (spec) => createDetector('cavga-du', { imageSize: size, channels: 3, seed: 0 }, settingsOf(spec)) as StepDetector,
);
const times: number[][] = variants.map(() => []);
for (let step = -2; step < steps; step++) {
  for (const [k, detector] of detectors.entries()) {
    const images = tensor(pixels, [n, 3, size, size]);
    const start = performance.now();
    const losses = detector.step({ images });
    await Object.values(losses)[0].data();
    if (step >= 0) times[k].push(performance.now() - start);
    Object.values(losses).forEach((t) => t.dispose());
    images.dispose();
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `adapter ${gpu.rt.info.description || gpu.rt.info.vendor}; load average ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log('| variant | median ms a step | ratio to the first |\n|---|---:|---:|');
for (const [k, spec] of variants.entries())
  console.log(
    `| ${spec || 'default'} | ${median(times[k]).toFixed(0)} | ${(median(times[k]) / median(times[0])).toFixed(2)} |`,
  );
