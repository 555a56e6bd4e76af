// Prints the built-in dataset's two yardsticks per category and defect kind (docs/builtin-dataset.md): the library's
// per-pixel Gaussian (`pixel-gaussian`), which no dataset worth the name should let score well, and the reconstruction
// error of its PCA model of the normal images (`pca`), the simplest model of the normal pattern, which shows the
// defects are there to be found. Images come from the generator in memory (64 x 64, the default counts: 200 normal
// training images, 40 normal and 40 defective test images); PCA's error is calibrated on 64 more normal images (train
// indices 200-263).
//
//   npx tsx scripts/builtin-baselines.ts [data seed, default 0] [PCA components, default 64]

import { normalTrainingData } from '../src/anomaly/batch.ts';
import { Dataset } from '../src/anomaly/data/dataset.ts';
import type { Sample } from '../src/anomaly/data/sample.ts';
import {
  DEFECT_KINDS,
  SYNTHETIC_CATEGORIES,
  syntheticDefect,
  syntheticGood,
  type SyntheticCategory,
} from '../src/anomaly/data/synthetic-images.ts';
import { calibrateOn, evaluateDetector } from '../src/anomaly/evaluate.ts';
import { createDetector } from '../src/detectors.ts';
import { init, releaseWebGPU, withDevice } from '../src/devices.ts';

const seed = Number(process.argv[2] ?? 0);
const k = Number(process.argv[3] ?? 64);
const size = 64;

const dataset = (samples: Sample[]) => Dataset.load(samples, { size, channels: 3 }, samples[0].path);
const normal = (category: SyntheticCategory, split: 'train' | 'test', from: number, n: number) =>
  Array.from({ length: n }, (_, i): Sample => {
    const image = syntheticGood(seed, category, split, from + i, size);
    return { path: `${category}/${split}/${from + i}`, label: 0, defect: 'good', image };
  });

const fmt = (v: number) => v.toFixed(3);
const rows: string[] = [];
const means = { gaussian: [0, 0], pca: [0, 0] };
await withDevice(await init(), async () => {
  for (const category of SYNTHETIC_CATEGORIES) {
    const train = dataset(normal(category, 'train', 0, 200));
    const held = dataset(normal(category, 'train', 200, 64));
    const good = normal(category, 'test', 0, 40);
    const defects = Array.from({ length: 40 }, (_, i) => {
      const d = syntheticDefect(seed, category, i, size);
      const sample: Sample = {
        path: `${category}/defect/${i}`,
        label: 1,
        defect: d.kind,
        image: d.image,
        mask: d.mask,
      };
      return { sample, subtle: d.subtlety !== null };
    });
    /** Image / pixel AUROC on the whole test set, image AUROC of the normal images against each kind, and the subtle. */
    const cells = async (name: 'gaussian' | 'pca') => {
      const detector = createDetector(
        name === 'pca' ? 'pca' : 'pixel-gaussian',
        { imageSize: size, channels: 3, seed: 0 },
        name === 'pca' ? { components: k } : {},
      );
      if (detector.training !== 'one-pass') throw new Error('the baselines are fitted in one pass');
      await detector.fit(normalTrainingData(train));
      if (detector.needsCalibration) await calibrateOn(detector, held);
      const evaluate = async (kept: typeof defects) =>
        (await evaluateDetector(detector, dataset([...good, ...kept.map((d) => d.sample)]), category, 0)).metrics;
      const all = await evaluate(defects);
      means[name][0] += all.imageAuroc / SYNTHETIC_CATEGORIES.length;
      means[name][1] += all.pixelAuroc / SYNTHETIC_CATEGORIES.length;
      const perKind: string[] = [];
      for (const kind of DEFECT_KINDS[category])
        perKind.push(`${kind} ${fmt((await evaluate(defects.filter((d) => d.sample.defect === kind))).imageAuroc)}`);
      const subtle = (await evaluate(defects.filter((d) => d.subtle))).imageAuroc;
      return `${fmt(all.imageAuroc)} / ${fmt(all.pixelAuroc)} | ${perKind.join(', ')} | subtle ${fmt(subtle)}`;
    };
    rows.push(`| ${category} | ${await cells('gaussian')} | ${await cells('pca')} |`);
  }
});
await releaseWebGPU();
console.log(
  `data seed ${seed}; image / pixel AUROC, image AUROC per defect kind and of the subtle ones; PCA k = ${k}\n`,
);
console.log('| category | pixel Gaussian | per kind | | PCA | per kind | |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log(`| mean | ${means.gaussian.map(fmt).join(' / ')} | | | ${means.pca.map(fmt).join(' / ')} | | |`);
