// Batch normalisation as PyTorch's F.batch_norm: batch statistics and running-statistics updates in training (the
// differentiable op is src/autograd/ops/batchnorm.ts), running statistics in eval.

import { add, addScalar, batchNormTraining, leakyRelu, mul, reshape, rsqrt, sub } from '../../autograd/index.ts';
import { formatShape } from '../../tensor/shape.ts';
import { replaceValues, type Tensor } from '../../tensor/tensor.ts';

/**
 * PyTorch's F.batch_norm over [n, c, ...]. In training, normalises by the batch statistics and, when running statistics
 * are given, updates them in place (running_var with the unbiased variance, as PyTorch does). In eval, uses the running
 * statistics. Beyond PyTorch's signature: `numBatchesTracked` (BatchNorm2d's buffer) is counted up in the same kernel
 * as the running statistics, and a `negativeSlope` (at least 0) applies a leaky ReLU to the result, in training inside
 * batch norm's own kernels (forward and backward).
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  training = false,
  momentum = 0.1,
  eps = 1e-5,
  numBatchesTracked: Tensor | null = null,
  negativeSlope: number | null = null,
): Tensor {
  if (input.ndim < 2) throw new Error(`batch_norm: expected input [n, c, ...], got ${formatShape(input.shape)}`);
  const c = input.shape[1];
  const statShape = input.shape.map((d, i) => (i === 1 ? d : 1));
  for (const [name, t] of [
    ['running_mean', runningMean],
    ['running_var', runningVar],
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== c))
      throw new Error(`batch_norm: ${name} has shape ${formatShape(t.shape)}, expected [${c}]`);
  }
  if (training) {
    const count = input.size / c;
    if (count < 2)
      throw new Error(
        `batch_norm: training needs more than one value per channel, got input ${formatShape(input.shape)}`,
      );
    const { y, mean: mu, variance } = batchNormTraining(input, weight, bias, eps, negativeSlope);
    if (runningMean && runningVar) {
      // All in one kernel: running = (1 - momentum) running + momentum batch (unbiased, for the variance), count + 1.
      const updated = input.backend.batchNormRunningStats(
        runningMean.storage,
        runningVar.storage,
        mu.storage,
        variance.storage,
        numBatchesTracked?.storage ?? null,
        {
          c,
          momentum,
          varianceMomentum: (momentum * count) / (count - 1),
        },
      );
      replaceValues(runningMean, updated.mean);
      replaceValues(runningVar, updated.variance);
      if (numBatchesTracked && updated.count) replaceValues(numBatchesTracked, updated.count);
    }
    return y;
  }
  if (!runningMean || !runningVar) throw new Error('batch_norm: eval mode needs running_mean and running_var');
  const y = normalize(input, reshape(runningMean, statShape), reshape(runningVar, statShape), weight, bias, eps);
  return negativeSlope === null ? y : leakyRelu(y, negativeSlope);
}

function normalize(
  input: Tensor,
  mu: Tensor,
  variance: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): Tensor {
  const statShape = input.shape.map((d, i) => (i === 1 ? d : 1));
  let y = mul(sub(input, mu), rsqrt(addScalar(variance, eps)));
  if (weight) y = mul(y, reshape(weight, statShape));
  if (bias) y = add(y, reshape(bias, statShape));
  return y;
}
