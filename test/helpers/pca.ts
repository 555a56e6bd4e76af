// A model of the normal pattern in its simplest form, in float64, as the other yardstick for the built-in dataset: the
// top k principal components of the normal training images (Gram-matrix method, Jacobi eigenvalues). A test image's
// map is its reconstruction error |x - x_hat| averaged over channels and smoothed by a Gaussian of sigma 1, standardised
// per pixel by the same map's mean and spread on held-out normal images (spread plus a tenth of its root-mean-square
// over the image, as the library's calibration does); its score is the map's maximum.
// (The library's own `pca` detector, once written, should replace this helper in the tests that use it.)

import type { Image } from '../../src/anomaly/data/image.ts';
import { aurocs, scoreMaps, smoothSigma1, type TestImage } from './anomaly-maps.ts';

/** Eigenvalues and eigenvectors (columns of `vectors`, row-major n x n) of a symmetric matrix, by cyclic Jacobi. */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = matrix.slice();
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const rotate = (m: Float64Array, i: number, j: number, c: number, s: number, stride: number, step: number) => {
    for (let k = 0; k < n; k++) {
      const [x, y] = [m[i * stride + k * step], m[j * stride + k * step]];
      m[i * stride + k * step] = c * x - s * y;
      m[j * stride + k * step] = s * x + c * y;
    }
  };
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i] * a[i];
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off <= 1e-24 * scale) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotate(a, p, q, c, s, 1, n); // columns p and q
        rotate(a, p, q, c, s, n, 1); // rows p and q
        rotate(v, p, q, c, s, 1, n);
      }
    }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => a[i * n + i]), vectors: v };
}

export interface Pca {
  mean: Float64Array;
  /** Orthonormal principal directions, largest variance first. */
  components: Float64Array[];
}

export function fitPca(train: Image[], k: number): Pca {
  const n = train.length;
  const d = train[0].data.length;
  const mean = new Float64Array(d);
  for (const image of train) for (let j = 0; j < d; j++) mean[j] += image.data[j] / n;
  const centred = train.map((image) => Float64Array.from(image.data, (v, j) => v - mean[j]));
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let dot = 0;
      for (let t = 0; t < d; t++) dot += centred[i][t] * centred[j][t];
      gram[i * n + j] = gram[j * n + i] = dot;
    }
  }
  const { values, vectors } = symmetricEigen(gram, n);
  const order = [...values.keys()].sort((a, b) => values[b] - values[a]).slice(0, Math.min(k, n - 1));
  // Direction e is X^T v_e / sqrt(lambda_e), which has unit length when v_e does.
  const components = order.map((e) => {
    const u = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const w = vectors[i * n + e] / Math.sqrt(values[e]);
      for (let t = 0; t < d; t++) u[t] += w * centred[i][t];
    }
    return u;
  });
  return { mean, components };
}

/** The smoothed reconstruction error [side, side] of one image. */
export function pcaErrorMap({ mean, components }: Pca, image: Image): Float64Array {
  const x = Float64Array.from(image.data, (v, j) => v - mean[j]);
  const residual = x.slice();
  for (const u of components) {
    let p = 0;
    for (let t = 0; t < x.length; t++) p += u[t] * x[t];
    for (let t = 0; t < x.length; t++) residual[t] -= p * u[t];
  }
  const plane = image.width * image.height;
  const error = new Float64Array(plane);
  for (let k = 0; k < 3; k++) for (let i = 0; i < plane; i++) error[i] += Math.abs(residual[k * plane + i]) / 3;
  return smoothSigma1(error, image.width);
}

/**
 * Per-pixel standardisation fitted on normal images' maps: (map - mean) / (spread + a tenth of the spread's
 * root-mean-square over the image), as the library's calibration standardises reconstruction errors.
 */
export function standardiser(normalMaps: Float64Array[]): (map: Float64Array) => Float64Array {
  const plane = normalMaps[0].length;
  const mean = new Float64Array(plane);
  const spread = new Float64Array(plane);
  for (const m of normalMaps) for (let i = 0; i < plane; i++) mean[i] += m[i] / normalMaps.length;
  for (const m of normalMaps) for (let i = 0; i < plane; i++) spread[i] += (m[i] - mean[i]) ** 2 / normalMaps.length;
  for (let i = 0; i < plane; i++) spread[i] = Math.sqrt(spread[i]);
  const floor = 0.1 * Math.sqrt(spread.reduce((a, b) => a + b * b, 0) / plane);
  return (map) => map.map((v, i) => (v - mean[i]) / (spread[i] + floor));
}

/** Image and pixel AUROC of the PCA error (score: the map's maximum), standardised on `held` normal images. */
export function pcaAuroc(
  train: Image[],
  held: Image[],
  test: TestImage[],
  k: number,
): { image: number; pixel: number } {
  const model = fitPca(train, k);
  const standardise = standardiser(held.map((image) => pcaErrorMap(model, image)));
  return aurocs(scoreMaps(test, (image) => standardise(pcaErrorMap(model, image))));
}
