// Exact Grad-CAM (Selvaraju et al.) with the engine's own reverse mode: alpha_k = spatial mean of d score / d F_k,
// A = relu(sum_k alpha_k F_k), normalised per image. With createGraph the result is differentiable in everything, alpha
// included, which CAVGA's attention losses need (second-order gradients).

import { grad } from '../autograd/engine.ts';
import { abs, addScalar, div, max, mean, mul, mulScalar, relu, sigmoid, square, sum } from '../autograd/ops/index.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { interpolate } from '../nn/functional/interpolate.ts';
import type { AttentionNorm, GradCamScore } from './config.ts';

export interface GradCamOptions {
  createGraph?: boolean;
  normalize?: AttentionNorm;
  /** |sum_k alpha_k F_k| instead of its ReLU, as ADVAE's map. */
  absolute?: boolean;
}

export interface GradCam {
  /** [n, 1, h, w] in [0, 1]. */
  attention: Tensor;
  /** [n, k, 1, 1]: the channel weights. */
  alpha: Tensor;
}

/** Grad-CAM of a scalar `score` over `features` [n, k, h, w]. The score must be a sum of per-image terms. */
export function gradCam(features: Tensor, score: Tensor, options: GradCamOptions = {}): GradCam {
  if (features.ndim !== 4)
    throw new Error(`gradCam: features must be [n, k, h, w], got [${features.shape.join(', ')}]`);
  const [dScore] = grad(score, features, { createGraph: options.createGraph ?? false });
  const alpha = mean(dScore!, [2, 3], true);
  const weighted = sum(mul(alpha, features), 1, true);
  const raw = options.absolute ? abs(weighted) : relu(weighted);
  // Max normalisation divides by (max + 1e-8): an all-zero map stays zero instead of dividing by zero.
  const attention =
    (options.normalize ?? 'max') === 'max' ? div(raw, addScalar(max(raw, [2, 3], true), 1e-8)) : sigmoid(raw);
  return { attention, alpha };
}

/** The unsupervised model's Grad-CAM score y from the latent mean: sum(mu), or ||mu||^2 / 2 (see GradCamScore). */
export function latentScore(mu: Tensor, kind: GradCamScore): Tensor {
  return kind === 'sum' ? sum(mu) : mulScalar(sum(square(mu)), 0.5);
}

/** The attention map up-sampled bilinearly to the input's side, for localisation. */
export function upsampleAttention(attention: Tensor, size: number): Tensor {
  return interpolate(attention, { size: [size, size], mode: 'bilinear', alignCorners: false });
}
