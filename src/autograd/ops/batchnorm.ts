// Batch normalisation in training mode, over [n, c, ...] per channel, as one op: a statistics kernel (which also
// computes the affine map that normalises) and a per-channel affine kernel forward, two fused kernels backward. When
// the backward is itself recorded (createGraph), it computes the same gradients with differentiable ops instead, so
// derivatives of every order stay exact.

import type { Tensor } from '../../tensor/tensor.ts';
import { isGradEnabled, record } from '../graph.ts';
import { sum } from './broadcast.ts';
import { addScalar, leakyReluBackward, mul, rsqrt, square, sub } from './elementwise.ts';
import { mean } from './reduce.ts';
import { wrap } from './util.ts';
import { reshape } from './view.ts';

type Gradients = { x: Tensor | null; weight: Tensor | null; bias: Tensor | null };
type Wanted = { x: boolean; weight: boolean; bias: boolean };

/**
 * y = (x - mean) / sqrt(variance + eps) * weight + bias, with each channel's batch mean and biased variance; with a
 * `negativeSlope` (at least 0), followed by a leaky ReLU in the same kernels, forward and backward (two dispatches
 * fewer than the activation as an op of its own, and no pass over its input). Returns the statistics too ([c], no
 * gradient) for the running averages.
 */
export function batchNormTraining(
  input: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  negativeSlope: number | null = null,
): { y: Tensor; mean: Tensor; variance: Tensor } {
  if (negativeSlope !== null && !(negativeSlope >= 0))
    throw new Error(`batch_norm: the fused leaky ReLU needs a slope of at least 0, got ${negativeSlope}`);
  const backend = input.backend;
  const [n, c] = input.shape;
  const p = { n, c, hw: input.size / (n * c), eps, negativeSlope };
  // One kernel: the statistics and the affine map that normalises (scale = weight / sqrt(variance + eps), shift =
  // bias - mean * scale).
  const stats = backend.batchNormStats(input.storage, weight?.storage ?? null, bias?.storage ?? null, p);
  const [mu, variance, scale, shift] = [stats.mean, stats.variance, stats.scale, stats.shift].map((s) => wrap(s, [c]));
  const y = wrap(backend.channelAffine(input.storage, scale.storage, shift.storage, p), input.shape);

  /** The fused kernels: per-channel sums of g and g * xhat, then dx from them. Not differentiable again. */
  const fusedBackward = (gy: Tensor, needsX: boolean): Gradients => {
    const activated = negativeSlope === null ? null : y.storage;
    const sums = backend.batchNormBackwardSums(gy.storage, input.storage, activated, mu.storage, variance.storage, p);
    // The gradient of the affine map's output: gy itself, or gy taken back through the activation by the sums kernel.
    const g = sums.g ?? gy.storage;
    const x = needsX
      ? wrap(
          backend.batchNormBackwardInput(
            g,
            input.storage,
            mu.storage,
            variance.storage,
            scale.storage,
            sums.sumG,
            sums.sumGXhat,
            p,
          ),
          input.shape,
        )
      : null;
    if (sums.g) backend.release(sums.g);
    return { x, weight: wrap(sums.sumGXhat, [c]), bias: wrap(sums.sumG, [c]) };
  };
  /** With createGraph: the same gradients in differentiable ops (the activation's mask is constant). */
  const recordedBackward = (gy: Tensor, wanted: Wanted): Gradients => {
    const g = negativeSlope === null ? gy : leakyReluBackward(y, gy, negativeSlope);
    return differentiableBackward(g, input, weight, eps, wanted);
  };

  const inputs = [input, weight, bias].filter((t): t is Tensor => t !== null);
  return {
    y: record(y, 'batch_norm', inputs, (g, needs) => {
      // needs follows `inputs`: x, then weight and bias where given.
      const wanted = { x: needs[0], weight: !!weight && needs[1], bias: !!bias && needs[weight ? 2 : 1] };
      const grads = isGradEnabled() ? recordedBackward(g, wanted) : fusedBackward(g, needs[0]);
      return [grads.x, ...(weight ? [grads.weight] : []), ...(bias ? [grads.bias] : [])];
    }),
    mean: mu,
    variance,
  };
}

/**
 * The gradients written with differentiable ops of x, weight and g:
 *   dx = invstd (gxhat - mean(gxhat) - xhat mean(gxhat xhat)),  gxhat = g weight,
 *   dweight = sum(g xhat),  dbias = sum(g),
 * the means and sums per channel, over the batch and spatial axes; only the `wanted` ones (Grad-CAM wants dx alone).
 */
function differentiableBackward(g: Tensor, x: Tensor, weight: Tensor | null, eps: number, wanted: Wanted): Gradients {
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const centered = sub(x, mean(x, axes, true));
  const invstd = rsqrt(addScalar(mean(square(centered), axes, true), eps));
  const xhat = mul(centered, invstd);
  const channelShape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const gxhat = wanted.x && weight ? mul(g, reshape(weight, channelShape)) : g;
  const gx = wanted.x
    ? mul(invstd, sub(sub(gxhat, mean(gxhat, axes, true)), mul(xhat, mean(mul(gxhat, xhat), axes, true))))
    : null;
  return {
    x: gx,
    weight: wanted.weight ? sum(mul(g, xhat), axes) : null,
    bias: wanted.bias ? sum(g, axes) : null,
  };
}
