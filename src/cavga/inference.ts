// Test-time analysis (docs/cavga-spec.md, "Test protocol"). The image score is mean |x - x_hat| with z = mu (the paper),
// the maximum of the anomaly map, a weakly supervised model's probability of the anomalous class (the paper's score for
// CAVGA-Dw / -Rw), or the relative error combined with mu's distance from the normal images' ('error-latent'); the
// localisation map, up-sampled to the input, is 1 - A for unsupervised CAVGA, A_a for
// the weakly supervised one, |A| for ADVAE, the reconstruction error or 1 - SSIM for the autoencoder baselines, or the
// smoothed reconstruction error weighted by CAVGA's attention map ('attention-error'). Maps that keep the error's scale
// can be standardised per pixel by the model's calibration on normal training images (anomaly/pixel-calibration.ts).

import {
  abs,
  add,
  addScalar,
  detach,
  div,
  log,
  max,
  mean,
  mul,
  mulScalar,
  pow,
  reshape,
  rsubScalar,
  sigmoid,
  slice,
  square,
  sub,
  sum,
} from '../autograd/ops/index.ts';
import { noGrad } from '../autograd/graph.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { tidy } from '../tensor/memory.ts';
import { requireFlatLatentFor, SCORING_MAPS, validateScoring, type Scoring } from './config.ts';
import { smoothMap } from '../anomaly/gaussian-blur.ts';
import { gradCam, latentScore, upsampleAttention } from './gradcam.ts';
import type { Cavga } from './models/cavga.ts';
import { ssimMap } from './ssim.ts';

export interface Analysis {
  reconstruction: Tensor; // [n, c, s, s]
  score: Tensor; // [n]: higher is more anomalous
  map: Tensor; // [n, 1, s, s] in [0, 1]: higher is more anomalous
  attention: Tensor | null; // [n, 1, s, s]: the Grad-CAM attention behind the map, where there is one
}

/** What every scoring starts from: the reconstruction, the attention, and the map before standardising or scaling. */
export interface RawAnalysis {
  reconstruction: Tensor;
  /** mean |x - x_hat| per image [n]. */
  meanError: Tensor;
  /** The latent mean [n, ...] the reconstruction decodes. */
  mu: Tensor;
  /** A weakly supervised model's probability of the anomalous class, softmax(s_n, s_a)_a = sigmoid(s_a - s_n) [n]; else null. */
  anomalyProbability: Tensor | null;
  attention: Tensor | null;
  /** [n, 1, s, s], higher is more anomalous; for the attention maps already in [0, 1]. */
  raw: Tensor;
}

/** Scales each image's map to [0, 1] by its maximum (maps already in [0, 1] stay as they are when their max is 1). */
function perImageMax(map: Tensor): Tensor {
  return div(map, addScalar(max(map, [1, 2, 3], true), 1e-8));
}

/** The per-pixel error |x - x_hat| [n, c, s, s] averaged over channels and smoothed by a Gaussian of `sigma` pixels. */
function smoothedError(error: Tensor, sigma: number): Tensor {
  return smoothMap(mean(error, 1, true), sigma);
}

/** The attention map to a power, as the error's weight; powers 0 and 1 skip pow (WGSL leaves pow(0, 0) undefined). */
function attentionWeight(attentionMap: Tensor, exponent: number): Tensor | number {
  return exponent === 0 ? 1 : exponent === 1 ? attentionMap : pow(attentionMap, exponent);
}

/**
 * The model in eval mode on images [n, c, s, s] in [-1, 1], up to the raw map of `scoring`. `pictures`: also compute a
 * CAVGA model's attention when the map does not use it, to show it.
 */
export function rawAnalysis(model: Cavga, images: Tensor, scoring: Scoring, pictures = true): RawAnalysis {
  model.eval();
  const c = model.config;
  const { anomalyMap } = scoring;
  if (scoring.imageScore === 'classifier' && c.supervision !== 'weakly')
    throw new Error("CAVGA: image score 'classifier' needs a weakly supervised model (only those have a classifier)");
  return tidy(() => {
    const { features, mu } = model.encode(images);
    const weakly = c.supervision === 'weakly';
    const logits = weakly ? model.classify(mu) : null;
    const reconstruction = noGrad(() => model.decode(detach(mu)));
    const error = noGrad(() => abs(sub(images, reconstruction)));
    let attention: Tensor | null = null;
    let attentionMap: Tensor | null = null; // higher is more anomalous, in [0, 1]
    if (
      (pictures && c.attentionLoss) ||
      anomalyMap === 'attention' ||
      anomalyMap === 'attention-abs' ||
      anomalyMap === 'attention-error'
    ) {
      // Grad-CAM needs the graph from F to the score, so the encoder ran with recording on.
      const target = logits ? sum(slice(logits, 1, 1, 2)) : latentScore(mu, c.gradCamScore);
      const cam = gradCam(features, target, { normalize: c.attentionNorm, absolute: anomalyMap === 'attention-abs' });
      attention = detach(upsampleAttention(cam.attention, c.imageSize));
      attentionMap = weakly || anomalyMap === 'attention-abs' ? attention : rsubScalar(attention, 1);
    }
    return noGrad(() => {
      const raw =
        anomalyMap === 'attention' || anomalyMap === 'attention-abs'
          ? attentionMap!
          : anomalyMap === 'ssim'
            ? rsubScalar(mean(ssimMap(images, reconstruction), 1, true), 1)
            : anomalyMap === 'error'
              ? smoothedError(error, scoring.errorSmoothing)
              : mul(
                  smoothedError(error, scoring.errorSmoothing),
                  attentionWeight(attentionMap!, scoring.attentionExponent),
                );
      const anomalyProbability = logits
        ? detach(sigmoid(reshape(sub(slice(logits, 1, 1, 2), slice(logits, 1, 0, 1)), [images.shape[0]])))
        : null;
      return {
        reconstruction,
        meanError: mean(error, [1, 2, 3]),
        mu: detach(mu),
        anomalyProbability,
        attention,
        raw: detach(raw),
      };
    });
  });
}

/**
 * The 'error-latent' score [n] (config.ts's IMAGE_SCORES): log of the squared error over the ink of image and
 * reconstruction ((v + 1) / 2 maps [-1, 1] to [0, 1]), plus half the log of mu's squared Mahalanobis distance. The ratio
 * keeps a digit with many strokes from scoring high for its strokes alone; the logs make the two terms a product, which
 * needs no scale of either.
 */
function errorLatentScore(model: Cavga, images: Tensor, reconstruction: Tensor, mu: Tensor): Tensor {
  const squaredError = sum(square(sub(images, reconstruction)), [1, 2, 3]);
  const ink = sum(addScalar(mulScalar(add(images, reconstruction), 0.5), 1), [1, 2, 3]);
  const distance = model.latentCalibration!.forward(mu);
  return add(log(div(squaredError, ink)), mulScalar(log(distance), 0.5));
}

/** Scores and maps images [n, c, s, s] in [-1, 1] with the model's own scoring, or with `scoring` where given. */
export function analyze(model: Cavga, images: Tensor, scoring: Scoring = model.config): Analysis {
  validateScoring(scoring);
  requireFlatLatentFor(scoring, model.config);
  if (
    (scoring.standardize && !model.calibration.calibrated) ||
    (scoring.imageScore === 'error-latent' && !model.latentCalibration?.calibrated)
  ) {
    throw new Error(
      `CAVGA: ${scoring.standardize ? 'standardised scoring' : "the 'error-latent' score"} needs the model calibrated on normal images (calibrate(model, images); cavga train does it after training)`,
    );
  }
  return tidy(() => {
    const { reconstruction, meanError, mu, anomalyProbability, attention, raw } = rawAnalysis(model, images, scoring);
    return noGrad(() => {
      const standardised = scoring.standardize ? model.calibration.forward(raw) : raw;
      const score =
        scoring.imageScore === 'map-max'
          ? max(standardised, [1, 2, 3])
          : scoring.imageScore === 'error-latent'
            ? errorLatentScore(model, images, reconstruction, mu)
            : scoring.imageScore === 'classifier'
              ? anomalyProbability!
              : meanError;
      // The attention maps are in [0, 1] already; the others are scaled per image or by the calibration.
      const map = scoring.standardize
        ? model.calibration.scale(standardised)
        : SCORING_MAPS.includes(scoring.anomalyMap)
          ? perImageMax(raw)
          : raw;
      return { reconstruction, score, map: detach(map), attention };
    });
  });
}
