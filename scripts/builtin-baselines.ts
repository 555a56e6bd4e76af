// Prints the built-in dataset's two yardsticks per category and defect kind (docs/builtin-dataset.md): the per-pixel
// Gaussian, which no dataset worth the name should let score well, and the reconstruction error of a PCA model of the
// normal images, the simplest model of the normal pattern, which shows the defects are there to be found. Images come
// from the generator in memory (64 x 64, the default counts); the PCA error is standardised on 64 more normal images
// (train indices 200-263).
//
//   npx tsx scripts/builtin-baselines.ts [data seed, default 0] [PCA components, default 64]

import { auroc } from '../src/anomaly/report/roc.ts';
import {
  DEFECT_KINDS,
  SYNTHETIC_CATEGORIES,
  syntheticDefect,
  syntheticGood,
} from '../src/anomaly/data/synthetic-images.ts';
import { aurocs, scoreMaps, type Scored, type TestImage } from '../test/helpers/anomaly-maps.ts';
import { fitPca, pcaErrorMap, standardiser } from '../test/helpers/pca.ts';
import { fitPixelGaussian, pixelGaussianMap } from '../test/helpers/pixel-gaussian.ts';

const seed = Number(process.argv[2] ?? 0);
const k = Number(process.argv[3] ?? 64);
const size = 64;

const fmt = (v: number) => v.toFixed(3);
const rows: string[] = [];
const means = { gaussian: [0, 0], pca: [0, 0] };
for (const category of SYNTHETIC_CATEGORIES) {
  const train = Array.from({ length: 200 }, (_, i) => syntheticGood(seed, category, 'train', i, size));
  const held = Array.from({ length: 64 }, (_, i) => syntheticGood(seed, category, 'train', 200 + i, size));
  const kinds: string[] = [];
  const subtle: boolean[] = [];
  const test: TestImage[] = [];
  for (let i = 0; i < 40; i++) {
    test.push({ image: syntheticGood(seed, category, 'test', i, size), mask: new Uint8Array(size * size), label: 0 });
    kinds.push('good');
    subtle.push(false);
  }
  for (let i = 0; i < 40; i++) {
    const d = syntheticDefect(seed, category, i, size);
    test.push({ image: d.image, mask: d.mask.data, label: 1 });
    kinds.push(d.kind);
    subtle.push(d.subtlety !== null);
  }
  const gaussian = fitPixelGaussian(train);
  const pca = fitPca(train, k);
  const standardise = standardiser(held.map((image) => pcaErrorMap(pca, image)));
  const results = {
    gaussian: scoreMaps(test, (image) => pixelGaussianMap(gaussian, image)),
    pca: scoreMaps(test, (image) => standardise(pcaErrorMap(pca, image))),
  };
  /** Image AUROC of the normal images against the defective ones that `keep` selects. */
  const against = ({ scores, labels }: Scored, keep: (i: number) => boolean) => {
    const chosen = labels.map((_, i) => i).filter((i) => labels[i] === 0 || keep(i));
    return auroc(
      chosen.map((i) => scores[i]),
      chosen.map((i) => labels[i]),
    );
  };
  const cells = (['gaussian', 'pca'] as const).map((name) => {
    const r = results[name];
    const { image, pixel } = aurocs(r);
    means[name][0] += image / SYNTHETIC_CATEGORIES.length;
    means[name][1] += pixel / SYNTHETIC_CATEGORIES.length;
    const perKind = DEFECT_KINDS[category].map((kind) => `${kind} ${fmt(against(r, (i) => kinds[i] === kind))}`);
    return `${fmt(image)} / ${fmt(pixel)} | ${perKind.join(', ')} | subtle ${fmt(against(r, (i) => subtle[i]))}`;
  });
  rows.push(`| ${category} | ${cells.join(' | ')} |`);
}
console.log(
  `data seed ${seed}; image / pixel AUROC, image AUROC per defect kind and of the subtle ones; PCA k = ${k}\n`,
);
console.log('| category | pixel Gaussian | per kind | | PCA | per kind | |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log(`| mean | ${means.gaussian.map(fmt).join(' / ')} | | | ${means.pca.map(fmt).join(' / ')} | | |`);
