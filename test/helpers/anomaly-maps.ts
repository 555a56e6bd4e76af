// What the built-in dataset's yardsticks (pixel-gaussian.ts, pca.ts) share: test images with masks, Gaussian smoothing
// of a map, and a map function scored over a test set (image score: the map's maximum) as image and pixel AUROC.

import type { Image } from '../../src/anomaly/data/image.ts';
import { auroc } from '../../src/anomaly/report/roc.ts';

export interface TestImage {
  image: Image;
  /** [side, side] of 0 and 1; all zero for normal images. */
  mask: ArrayLike<number>;
  label: 0 | 1;
}

/** Gaussian smoothing with sigma 1 (window radius 2), each value a weighted mean of the pixels inside the image. */
export function smoothSigma1(map: Float64Array, side: number): Float64Array {
  const w = [-2, -1, 0, 1, 2].map((t) => Math.exp(-(t * t) / 2));
  const out = new Float64Array(map.length);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let sum = 0;
      let weight = 0;
      for (let dy = -2; dy <= 2; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= side) continue;
        for (let dx = -2; dx <= 2; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= side) continue;
          const g = w[dy + 2] * w[dx + 2];
          sum += g * map[yy * side + xx];
          weight += g;
        }
      }
      out[y * side + x] = sum / weight;
    }
  }
  return out;
}

export interface Scored {
  /** One per test image: its map's maximum. */
  scores: number[];
  labels: number[];
  /** All maps, and all masks, back to back. */
  maps: Float64Array;
  masks: Uint8Array;
}

export function scoreMaps(test: TestImage[], map: (image: Image) => Float64Array): Scored {
  const plane = test[0].image.width * test[0].image.height;
  const maps = new Float64Array(test.length * plane);
  const masks = new Uint8Array(test.length * plane);
  const scores = test.map(({ image, mask }, i) => {
    const m = map(image);
    maps.set(m, i * plane);
    masks.set(mask, i * plane);
    return m.reduce((a, b) => Math.max(a, b), -Infinity);
  });
  return { scores, labels: test.map((t) => t.label), maps, masks };
}

/** Image AUROC of the scores and pixel AUROC of all test pixels pooled. */
export const aurocs = ({ scores, labels, maps, masks }: Scored) => ({
  image: auroc(scores, labels),
  pixel: auroc(maps, masks),
});
