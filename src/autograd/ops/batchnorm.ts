// Batch normalisation in training mode, over [n, c, ...] per channel, as one op: a statistics kernel and a per-channel
// affine kernel forward, two fused kernels backward. When the backward is itself recorded (createGraph), it computes
// the same gradients with differentiable ops instead, so derivatives of every order stay exact.

import type { Tensor } from '../../tensor/tensor.ts';
import { isGradEnabled, noGrad, record } from '../graph.ts';
import { sum } from './broadcast.ts';
import { ex, type Expr } from '../../tensor/expression.ts';
import { addScalar, fused, mul, rsqrt, square, sub } from './elementwise.ts';
import { mean } from './reduce.ts';
import { wrap } from './util.ts';
import { reshape } from './view.ts';

type Gradients = { x: Tensor | null; weight: Tensor | null; bias: Tensor | null };

/**
 * y = (x - mean) / sqrt(variance + eps) * weight + bias, with each channel's batch mean and biased variance. Returns
 * those statistics too ([c], no gradient) for the running averages.
 */
export function batchNormTraining(
  input: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): { y: Tensor; mean: Tensor; variance: Tensor } {
  const backend = input.backend;
  const [n, c] = input.shape;
  const p = { n, c, hw: input.size / (n * c) };
  const stats = backend.batchNormStats(input.storage, p);
  const mu = wrap(stats.mean, [c]);
  const variance = wrap(stats.variance, [c]);
  // scale = weight / sqrt(variance + eps) and shift = bias - mean * scale, each one kernel over the [c] statistics.
  const o = ex.operand;
  const invstdOf = (v: Expr) => ex.rsqrt(ex.addScalar(v, eps));
  const scaleOf = (v: Expr, w: Expr | null) => (w ? ex.mul(invstdOf(v), w) : invstdOf(v));
  const meanScale = ex.mul(o(1), scaleOf(o(0), weight ? o(2) : null));
  const { scale, shift } = noGrad(() => ({
    scale: fused(
      'batch_norm_scale',
      scaleOf(o(0), weight ? o(1) : null),
      weight ? [variance, weight] : [variance],
      null,
    ),
    shift: fused(
      'batch_norm_shift',
      bias ? ex.sub(o(weight ? 3 : 2), meanScale) : ex.neg(meanScale),
      [variance, mu, ...(weight ? [weight] : []), ...(bias ? [bias] : [])],
      null,
    ),
  }));
  const y = wrap(backend.channelAffine(input.storage, scale.storage, shift.storage, p), input.shape);

  /** The fused kernels: per-channel sums of g and g * xhat, then dx from them. Not differentiable again. */
  const fusedBackward = (g: Tensor, needsX: boolean): Gradients => {
    const invstd = noGrad(() => fused('batch_norm_invstd', invstdOf(o(0)), [variance], null));
    const sums = backend.batchNormBackwardSums(g.storage, input.storage, mu.storage, invstd.storage, p);
    const x = needsX
      ? wrap(
          backend.batchNormBackwardInput(
            g.storage,
            input.storage,
            mu.storage,
            invstd.storage,
            scale.storage,
            sums.sumG,
            sums.sumGXhat,
            p,
          ),
          input.shape,
        )
      : null;
    return { x, weight: wrap(sums.sumGXhat, [c]), bias: wrap(sums.sumG, [c]) };
  };

  const inputs = [input, weight, bias].filter((t): t is Tensor => t !== null);
  return {
    y: record(y, 'batch_norm', inputs, (g, needs) => {
      const grads = isGradEnabled() ? differentiableBackward(g, input, weight, eps) : fusedBackward(g, needs[0]);
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
 * the means and sums per channel, over the batch and spatial axes.
 */
function differentiableBackward(g: Tensor, x: Tensor, weight: Tensor | null, eps: number): Gradients {
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const centered = sub(x, mean(x, axes, true));
  const invstd = rsqrt(addScalar(mean(square(centered), axes, true), eps));
  const xhat = mul(centered, invstd);
  const gxhat = weight
    ? mul(
        g,
        reshape(
          weight,
          x.shape.map((d, i) => (i === 1 ? d : 1)),
        ),
      )
    : g;
  const gx = mul(invstd, sub(sub(gxhat, mean(gxhat, axes, true)), mul(xhat, mean(mul(gxhat, xhat), axes, true))));
  return { x: gx, weight: sum(mul(g, xhat), axes), bias: sum(g, axes) };
}
