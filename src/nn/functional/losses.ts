// Losses and log-softmax, composed from differentiable ops (numerically stable forms).

import { abs, add, exp, log, max, mean, mul, neg, relu, square, sub, sum } from '../../autograd/index.ts';
import { detach } from '../../autograd/ops/copy.ts';
import { broadcastShapes, formatShape, sameShape } from '../../tensor/shape.ts';
import type { Tensor } from '../../tensor/tensor.ts';

export type Reduction = 'mean' | 'sum' | 'none';

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'mean') return mean(loss);
  if (reduction === 'sum') return sum(loss);
  if (reduction === 'none') return loss;
  throw new Error(`loss: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
}

function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!sameShape(input.shape, target.shape))
    throw new Error(`${op}: input ${formatShape(input.shape)} and target ${formatShape(target.shape)} differ in shape`);
}

/** log(softmax(x)) along dim, as x - max - log(sum(exp(x - max))); the max is a constant shift, so it is detached. */
export function logSoftmax(input: Tensor, dim = -1): Tensor {
  const shifted = sub(input, detach(max(input, dim, true)));
  return sub(shifted, log(sum(exp(shifted), dim, true)));
}

/** PyTorch's F.binary_cross_entropy_with_logits: max(x, 0) - x t + log(1 + exp(-|x|)), optionally weighted. */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null = null,
  reduction: Reduction = 'mean',
): Tensor {
  checkSameShape('binary_cross_entropy_with_logits', input, target);
  let loss = add(sub(relu(input), mul(input, target)), log(add(exp(neg(abs(input))), 1)));
  if (weight) {
    broadcastShapes(weight.shape, input.shape, 'binary_cross_entropy_with_logits weight');
    loss = mul(loss, weight);
  }
  return reduce(loss, reduction);
}

export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkSameShape('mse_loss', input, target);
  return reduce(square(sub(input, target)), reduction);
}

export function l1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkSameShape('l1_loss', input, target);
  return reduce(abs(sub(input, target)), reduction);
}
