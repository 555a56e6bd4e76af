// Per-pixel statistics of a detector's raw anomaly map over normal training images, kept with the detector (buffers
// `calibration.*` in its checkpoint). A map standardised by them is in units of the normal images' own spread at each
// pixel, so what a detector gets wrong on every normal image (an object's fine grooves, its jittered edges) stops looking
// anomalous, while error where normal images agree with their reconstructions stands out. The statistics are computed
// in float64 on the CPU from the maps read back, batch by batch, so any number of images fits.

import { add, div, relu, sub } from '../autograd/ops/index.ts';
import { tensor } from '../tensor/creation.ts';
import { tidy } from '../tensor/memory.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from '../nn/module.ts';
import type { TensorValues } from '../nn/safetensors-format.ts';
import { DataError } from './data/errors.ts';

/** The spread's floor, as a fraction of the root-mean-square per-element deviation. */
export const SPREAD_FLOOR = 0.1;

/** The buffers of a calibration not yet computed: mean 0, spread 1, threshold 1, no images. */
export function emptyCalibration(side: number): Record<'mean' | 'spread' | 'threshold' | 'images', TensorValues> {
  const filled = (shape: number[], value: number) => ({
    shape,
    data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value),
  });
  return {
    mean: filled([1, 1, side, side], 0),
    spread: filled([1, 1, side, side], 1),
    threshold: filled([], 1),
    images: filled([], 0),
  };
}

/**
 * Per-element mean and spread of equally long arrays (one per image): the spread is the standard deviation plus a floor,
 * `floor` times the root mean square of the standard deviations, so that no element is divided by ~0.
 */
export function meanAndSpread(
  values: readonly Float32Array[],
  floor = SPREAD_FLOOR,
): { mean: Float64Array; spread: Float64Array } {
  const length = values[0].length;
  const mean = new Float64Array(length);
  const variance = new Float64Array(length);
  for (const m of values) for (let p = 0; p < length; p++) mean[p] += m[p] / values.length;
  for (const m of values) for (let p = 0; p < length; p++) variance[p] += (m[p] - mean[p]) ** 2 / values.length;
  const offset = floor * Math.sqrt(variance.reduce((a, b) => a + b, 0) / length);
  return { mean, spread: variance.map((v) => Math.sqrt(v) + offset) };
}

export class PixelCalibration extends Module {
  /** [1, 1, s, s]: the mean of the raw map over the calibration images. */
  readonly mean: Tensor;
  /** [1, 1, s, s]: its standard deviation plus a tenth of the image's root-mean-square deviation (no division by ~0). */
  readonly spread: Tensor;
  /** []: the largest standardised value over the calibration images; the scaled map is 0.5 there. */
  readonly threshold: Tensor;
  /** []: how many images the statistics come from; 0 until calibrated. */
  readonly images: Tensor;
  /** Whether the buffers hold statistics (set by fit() and by loading a calibrated checkpoint). */
  calibrated = false;

  constructor(readonly side: number) {
    super();
    const empty = emptyCalibration(side);
    const buffer = (name: keyof typeof empty) => this.registerBuffer(name, tensor(empty[name].data, empty[name].shape));
    this.mean = buffer('mean');
    this.spread = buffer('spread');
    this.threshold = buffer('threshold');
    this.images = buffer('images');
  }

  /**
   * Fills the buffers from the raw maps [n, 1, s, s] of normal images that `rawMaps` yields (each is disposed once read).
   * Returns how many images it used.
   */
  async fit(rawMaps: Iterable<Tensor>): Promise<number> {
    const plane = this.side * this.side;
    const maps: Float32Array[] = [];
    for (const raw of rawMaps) {
      const values = await raw.data();
      for (let k = 0; k < raw.shape[0]; k++) maps.push(Float32Array.from(values.subarray(k * plane, (k + 1) * plane)));
      raw.dispose();
    }
    if (maps.length < 2) throw new DataError(`calibrate: needs at least 2 normal images, got ${maps.length}`);
    const { mean, spread } = meanAndSpread(maps);
    if (!spread.every(Number.isFinite))
      throw new DataError(
        'calibrate: the anomaly maps of the normal images hold non-finite values; retrain the model (a lower learning rate)',
      );
    // Maps that are all the same (constant or identical images) have no spread: every standardised value would be 0/0.
    if (!spread.some((s) => s > 0))
      throw new DataError(
        `calibrate: the anomaly maps of the ${maps.length} normal images are all the same, so they have no spread to standardise by; calibrate on normal images that vary`,
      );
    let threshold = 0;
    for (const m of maps) for (let p = 0; p < plane; p++) threshold = Math.max(threshold, (m[p] - mean[p]) / spread[p]);
    const shape = [1, 1, this.side, this.side];
    const device = { device: this.mean.backend };
    tidy(() => {
      this.mean.copy_(tensor(Float32Array.from(mean), shape, device));
      this.spread.copy_(tensor(Float32Array.from(spread), shape, device));
      this.threshold.copy_(tensor([Math.max(threshold, 1e-6)], [], device));
      this.images.copy_(tensor([maps.length], [], device));
    });
    this.calibrated = true;
    return maps.length;
  }

  /** How to read scores standardised by it, for people (`cavga infer` prints it). */
  async describeScale(what: string): Promise<string> {
    const [t, n] = await Promise.all([this.threshold.item(), this.images.item()]);
    return `scores are standardised ${what}; the most extreme of the ${n} normal calibration images reached ${t.toFixed(2)} (heatmap 0.5)`;
  }

  /** The raw map [n, 1, s, s] standardised: (raw - mean) / spread. */
  forward(raw: Tensor): Tensor {
    return div(sub(raw, this.mean), this.spread);
  }

  /** A standardised map scaled into [0, 1): z+ / (z+ + threshold), so 0.5 marks the most extreme calibration pixel. */
  scale(standardised: Tensor): Tensor {
    const positive = relu(standardised);
    return div(positive, add(positive, this.threshold));
  }
}
