// Calibrates a trained model's standardised scoring on normal images: the per-pixel mean and spread of its raw anomaly
// map, and the largest standardised value among them (anomaly/pixel-calibration.ts).

import type { Tensor } from '../tensor/tensor.ts';
import type { Scoring } from './config.ts';
import { rawAnalysis } from './inference.ts';
import type { Cavga } from './models/cavga.ts';

/**
 * Fills `model.calibration` from normal images, given as batches [n, c, s, s] in [-1, 1] that `batches` yields (each is
 * disposed after use), for `scoring` (the model's own unless given). Returns how many images it used.
 */
export function calibrate(model: Cavga, batches: Iterable<Tensor>, scoring: Scoring = model.config): Promise<number> {
  function* rawMaps() {
    for (const images of batches) {
      const { raw, reconstruction, meanError, anomalyProbability, attention } = rawAnalysis(
        model,
        images,
        scoring,
        false,
      );
      yield raw; // read and disposed by fit() before this generator resumes
      for (const t of [images, reconstruction, meanError, anomalyProbability, attention]) t?.dispose();
    }
  }
  return model.calibration.fit(rawMaps());
}
