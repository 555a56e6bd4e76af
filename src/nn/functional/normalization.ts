// Batch normalisation. Training mode is one fused op (statistics and affine kernels forward, two fused kernels backward)
// whose recorded backward falls back to the composite form, so gradients of every order stay exact.

import { grad } from '../../autograd/engine.ts';
import { isGradEnabled, noGrad, record } from '../../autograd/graph.ts';
import { add, addScalar, mean, mul, mulScalar, neg, reshape, rsqrt, square, sub } from '../../autograd/index.ts';
import { formatShape } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';

/**
 * PyTorch's F.batch_norm over [n, c, ...]. In training, normalises by the batch statistics and, when running statistics
 * are given, updates them in place (running_var with the unbiased variance, as PyTorch does). In eval, uses the running
 * statistics.
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
    const { y, mean: mu, variance } = batchNormTraining(input, weight, bias, eps);
    if (runningMean && runningVar) {
      noGrad(() => {
        runningMean.copy_(add(mulScalar(runningMean, 1 - momentum), mulScalar(mu, momentum)));
        runningVar.copy_(
          add(mulScalar(runningVar, 1 - momentum), mulScalar(variance, (momentum * count) / (count - 1))),
        );
      });
    }
    return y;
  }
  if (!runningMean || !runningVar) throw new Error('batch_norm: eval mode needs running_mean and running_var');
  return normalize(input, reshape(runningMean, statShape), reshape(runningVar, statShape), weight, bias, eps);
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

/** Batch statistics as differentiable ops: what the fused op's second-order backward differentiates. */
function compositeTraining(input: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const axes = input.shape.map((_, i) => i).filter((i) => i !== 1);
  const mu = mean(input, axes, true);
  return normalize(input, mu, mean(square(sub(input, mu)), axes, true), weight, bias, eps);
}

/**
 * Training-mode batch norm as one fused op: a statistics kernel and a per-channel affine kernel forward, two fused
 * kernels backward. When the backward itself is being recorded (createGraph), it differentiates the composite form
 * instead, so higher derivatives stay exact. Returns the batch mean and biased variance ([c], no gradient) too.
 */
function batchNormTraining(
  input: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): { y: Tensor; mean: Tensor; variance: Tensor } {
  const backend = input.backend;
  const [n, c] = input.shape;
  const p = { n, c, hw: input.size / (n * c) };
  const stats = backend.batchNormStats(input.storage, p);
  const mu = new Tensor(stats.mean, [c]);
  const variance = new Tensor(stats.variance, [c]);
  const { invstd, scale, shift } = noGrad(() => {
    const inv = rsqrt(addScalar(variance, eps));
    const sc = weight ? mul(weight, inv) : inv;
    return { invstd: inv, scale: sc, shift: bias ? sub(bias, mul(mu, sc)) : neg(mul(mu, sc)) };
  });
  const y = new Tensor(backend.channelAffine(input.storage, scale.storage, shift.storage, p), input.shape);
  const inputs = [input, weight, bias].filter((t): t is Tensor => t !== null);
  record(y, 'batch_norm', inputs, (g, needs) => {
    if (isGradEnabled()) {
      const wanted = inputs.filter((_, k) => needs[k]);
      const grads = grad(compositeTraining(input, weight, bias, eps), wanted, {
        gradOutputs: [g],
        createGraph: true,
        allowUnused: true,
      });
      return inputs.map((t) => (needs[inputs.indexOf(t)] ? grads[wanted.indexOf(t)] : null));
    }
    const sums = backend.batchNormBackwardSums(g.storage, input.storage, mu.storage, invstd.storage, p);
    const sumG = new Tensor(sums.sumG, [c]);
    const sumGXhat = new Tensor(sums.sumGXhat, [c]);
    const gx = needs[0]
      ? new Tensor(
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
    return [gx, ...(weight ? [sumGXhat] : []), ...(bias ? [sumG] : [])];
  });
  return { y, mean: mu, variance };
}
