// Calibrates a trained model's scoring on normal images: the per-pixel mean and spread of its raw anomaly map and the
// largest standardised value among them (anomaly/pixel-calibration.ts), and with a flat latent the mean and covariance
// of mu (latent-calibration.ts).

import type { Tensor } from '../tensor/tensor.ts';
import type { Scoring } from './config.ts';
import { rawAnalysis } from './inference.ts';
import type { Cavga } from './models/cavga.ts';

/**
 * Fills `model.calibration` (and, with a flat latent, `model.latentCalibration`) from normal images, given as batches
 * [n, c, s, s] in [-1, 1] that `batches` yields (each is disposed after use), for `scoring` (the model's own unless
 * given). Returns how many images it used.
 */
export async function calibrate(
  model: Cavga,
  batches: Iterable<Tensor>,
  scoring: Scoring = model.config,
): Promise<number> {
  const latents: Tensor[] = []; // [n, d] each, small: read once the maps are
  function* rawMaps() {
    for (const images of batches) {
      const { raw, reconstruction, meanError, mu, anomalyProbability, attention } = rawAnalysis(
        model,
        images,
        scoring,
        false,
      );
      if (model.latentCalibration) latents.push(mu);
      else mu.dispose();
      yield raw; // read and disposed by fit() before this generator resumes
      for (const t of [images, reconstruction, meanError, anomalyProbability, attention]) t?.dispose();
    }
  }
  const used = await model.calibration.fit(rawMaps());
  await model.latentCalibration?.fit(latents);
  return used;
}
