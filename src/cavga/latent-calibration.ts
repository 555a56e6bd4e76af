// A Gaussian of the latent mean mu over normal training images, kept with a flat-latent model (buffers
// `latent_calibration.*` in its checkpoint) for the 'error-latent' image score. An image whose reconstruction error is
// small can still be anomalous when its code lies where no normal image's does (a 7 that the model of 1s redraws as a
// 1); the squared Mahalanobis distance d^2 = (mu - m)^T (C + eps I)^-1 (mu - m) measures that. m and C are computed in
// float64 on the CPU from the mu read back; eps keeps C invertible when directions of the latent are unused.

import { matmul, mul, sub, sum } from '../autograd/ops/index.ts';
import { tensor } from '../tensor/creation.ts';
import { tidy } from '../tensor/memory.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from '../nn/module.ts';
import type { TensorValues } from '../nn/safetensors-format.ts';
import { DataError } from '../anomaly/data/errors.ts';

/** Added to the covariance's diagonal: the latent's unit is that of mu, whose normal spread is ~0.1-1 per entry. */
export const LATENT_SHRINKAGE = 1e-3;

/** The buffers of a latent calibration not yet computed: mean 0, precision I, no images. */
export function emptyLatentCalibration(size: number): Record<'mean' | 'precision' | 'images', TensorValues> {
  const precision = new Float32Array(size * size);
  for (let i = 0; i < size; i++) precision[i * size + i] = 1;
  return {
    mean: { shape: [size], data: new Float32Array(size) },
    precision: { shape: [size, size], data: precision },
    images: { shape: [], data: new Float32Array(1) },
  };
}

/** The inverse of a symmetric positive definite n x n matrix (row-major, float64) by its Cholesky factor L L^T. */
export function inverseSpd(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] ** 2;
    if (!(d > 0)) throw new Error('inverseSpd: the matrix is not positive definite');
    l[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / l[j * n + j];
    }
  }
  // Column by column: solve L y = e_c, then L^T x = y.
  const inverse = new Float64Array(n * n);
  const y = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
      y[i] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < n; k++) s -= l[k * n + i] * inverse[k * n + c];
      inverse[i * n + c] = s / l[i * n + i];
    }
  }
  return inverse;
}

export class LatentCalibration extends Module {
  /** [d]: the mean m of mu over the calibration images. */
  readonly mean: Tensor;
  /** [d, d]: (C + LATENT_SHRINKAGE I)^-1, C the covariance of mu over them (divided by n - 1). */
  readonly precision: Tensor;
  /** []: how many images the statistics come from; 0 until calibrated. */
  readonly images: Tensor;
  /** Whether the buffers hold statistics (set by fit() and by loading a calibrated checkpoint). */
  calibrated = false;

  constructor(readonly size: number) {
    super();
    const empty = emptyLatentCalibration(size);
    const buffer = (name: keyof typeof empty) => this.registerBuffer(name, tensor(empty[name].data, empty[name].shape));
    this.mean = buffer('mean');
    this.precision = buffer('precision');
    this.images = buffer('images');
  }

  /** Fills the buffers from latent means [n, d] of normal images (each tensor is disposed once read); returns n. */
  async fit(latents: Iterable<Tensor>): Promise<number> {
    const d = this.size;
    const rows: Float32Array[] = [];
    for (const mu of latents) {
      const values = await mu.data();
      for (let k = 0; k < mu.shape[0]; k++) rows.push(Float32Array.from(values.subarray(k * d, (k + 1) * d)));
      mu.dispose();
    }
    if (rows.length < 2) throw new DataError(`calibrate: needs at least 2 normal images, got ${rows.length}`);
    const mean = new Float64Array(d);
    for (const r of rows) for (let i = 0; i < d; i++) mean[i] += r[i] / rows.length;
    const covariance = new Float64Array(d * d);
    for (const r of rows)
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) covariance[i * d + j] += ((r[i] - mean[i]) * (r[j] - mean[j])) / (rows.length - 1);
    for (let i = 0; i < d; i++) covariance[i * d + i] += LATENT_SHRINKAGE;
    if (!covariance.every(Number.isFinite))
      throw new DataError('calibrate: the latent means of the normal images hold non-finite values; retrain the model');
    const device = { device: this.mean.backend };
    tidy(() => {
      this.mean.copy_(tensor(Float32Array.from(mean), [d], device));
      this.precision.copy_(tensor(Float32Array.from(inverseSpd(covariance, d)), [d, d], device));
      this.images.copy_(tensor([rows.length], [], device));
    });
    this.calibrated = true;
    return rows.length;
  }

  /** The squared Mahalanobis distance [n] of latent means mu [n, d] from the calibration's Gaussian. */
  forward(mu: Tensor): Tensor {
    const centred = sub(mu, this.mean);
    return sum(mul(matmul(centred, this.precision), centred), 1);
  }
}
