// Calibrates a trained model's standardised scoring on normal images: the per-pixel mean and spread of its raw anomaly
// map, and the largest standardised value among them (models/error-calibration.ts). Computed in float64 on the CPU from
// the maps read back, batch by batch, so any number of images fits.

import { tensor } from '../tensor/creation.ts';
import { tidy } from '../tensor/memory.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Scoring } from './config.ts';
import { rawAnalysis } from './inference.ts';
import type { Cavga } from './models/cavga.ts';

/** The spread's floor, as a fraction of the map's root-mean-square per-pixel deviation. */
const SPREAD_FLOOR = 0.1;

/**
 * Fills `model.calibration` from normal images, given as batches [n, c, s, s] in [-1, 1] that `batches` yields (each is
 * disposed after use), for `scoring` (the model's own unless given). Returns how many images it used.
 */
export async function calibrate(
  model: Cavga,
  batches: Iterable<Tensor>,
  scoring: Scoring = model.config,
): Promise<number> {
  const side = model.config.imageSize;
  const plane = side * side;
  const maps: Float32Array[] = [];
  for (const images of batches) {
    const { raw, reconstruction, meanError, attention } = rawAnalysis(model, images, scoring, false);
    const values = await raw.data();
    for (let k = 0; k < images.shape[0]; k++) maps.push(Float32Array.from(values.subarray(k * plane, (k + 1) * plane)));
    for (const t of [images, raw, reconstruction, meanError, attention]) t?.dispose();
  }
  if (maps.length < 2) throw new Error(`calibrate: needs at least 2 normal images, got ${maps.length}`);
  const mean = new Float64Array(plane);
  const variance = new Float64Array(plane);
  for (const m of maps) for (let p = 0; p < plane; p++) mean[p] += m[p] / maps.length;
  for (const m of maps) for (let p = 0; p < plane; p++) variance[p] += (m[p] - mean[p]) ** 2 / maps.length;
  const floor = SPREAD_FLOOR * Math.sqrt(variance.reduce((a, b) => a + b, 0) / plane);
  const spread = variance.map((v) => Math.sqrt(v) + floor);
  let threshold = 0;
  for (const m of maps) for (let p = 0; p < plane; p++) threshold = Math.max(threshold, (m[p] - mean[p]) / spread[p]);
  const { calibration } = model;
  const device = { device: calibration.mean.backend };
  tidy(() => {
    calibration.mean.copy_(tensor(Float32Array.from(mean), [1, 1, side, side], device));
    calibration.spread.copy_(tensor(Float32Array.from(spread), [1, 1, side, side], device));
    calibration.threshold.copy_(tensor([Math.max(threshold, 1e-6)], [], device));
    calibration.images.copy_(tensor([maps.length], [], device));
  });
  calibration.calibrated = true;
  return maps.length;
}
