// The per-pixel Gaussian of issue 13, in float64, as a yardstick for the built-in dataset: a detector with no learning
// at all, which a dataset that means something must defeat. Fitted on normal training images: per position and channel
// a mean and a spread (standard deviation), plus one global RGB mean and covariance. A test image's map is, per pixel,
// the larger of the largest z-score over the channels and the global RGB Mahalanobis distance, smoothed by a Gaussian
// of sigma 1; its score is the map's maximum.
// (The library's own `pixel-gaussian` detector, once written, should replace this helper in the tests that use it.)

import type { Image } from '../../src/anomaly/data/image.ts';
import { aurocs, scoreMaps, smoothSigma1, type TestImage } from './anomaly-maps.ts';

export interface PixelGaussian {
  side: number;
  mean: Float64Array; // [3, side, side]
  spread: Float64Array; // [3, side, side]
  rgbMean: number[]; // [3]
  rgbInverseCovariance: number[][]; // [3][3]
}

/** Spreads below this (a pixel that never changes) would make any change infinitely anomalous. */
const MIN_SPREAD = 1e-3;

function inverse3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const A = e * i - f * h;
  const B = f * g - d * i;
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    [A / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [C / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

export function fitPixelGaussian(train: Image[]): PixelGaussian {
  const side = train[0].width;
  const plane = side * side;
  const n = train.length;
  const mean = new Float64Array(3 * plane);
  const square = new Float64Array(3 * plane);
  const rgbSum = [0, 0, 0];
  const rgbProducts = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (const image of train) {
    const d = image.data;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < 3; k++) {
        const v = d[k * plane + p];
        mean[k * plane + p] += v / n;
        square[k * plane + p] += (v * v) / n;
        rgbSum[k] += v;
        for (let l = 0; l < 3; l++) rgbProducts[k * 3 + l] += v * d[l * plane + p];
      }
    }
  }
  const spread = mean.map((m, i) => Math.sqrt(Math.max(0, square[i] - m * m)) + MIN_SPREAD);
  const count = n * plane;
  const rgbMean = rgbSum.map((v) => v / count);
  const covariance = [0, 1, 2].map((k) =>
    [0, 1, 2].map((l) => rgbProducts[k * 3 + l] / count - rgbMean[k] * rgbMean[l]),
  );
  return { side, mean, spread, rgbMean, rgbInverseCovariance: inverse3(covariance) };
}

/** The smoothed anomaly map [side, side] of one RGB image. */
export function pixelGaussianMap(model: PixelGaussian, image: Image): Float64Array {
  const { side, mean, spread, rgbMean, rgbInverseCovariance: inv } = model;
  const plane = side * side;
  const d = image.data;
  const map = new Float64Array(plane);
  for (let p = 0; p < plane; p++) {
    let z = 0;
    const centred = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      const v = d[k * plane + p];
      z = Math.max(z, Math.abs(v - mean[k * plane + p]) / spread[k * plane + p]);
      centred[k] = v - rgbMean[k];
    }
    let m2 = 0;
    for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) m2 += centred[k] * inv[k][l] * centred[l];
    map[p] = Math.max(z, Math.sqrt(Math.max(0, m2)));
  }
  return smoothSigma1(map, side);
}

/** Image AUROC (score = map maximum) and pixel AUROC (all test pixels pooled) of the per-pixel Gaussian. */
export function pixelGaussianAuroc(train: Image[], test: TestImage[]): { image: number; pixel: number } {
  const model = fitPixelGaussian(train);
  return aurocs(scoreMaps(test, (image) => pixelGaussianMap(model, image)));
}
