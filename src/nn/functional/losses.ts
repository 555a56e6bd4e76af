// Losses and log-softmax in numerically stable forms: element-wise terms as fused kernels with their gradients written
// out (first order fused too, higher orders in composite ops), the rest composed from differentiable ops.

import {
  abs,
  exp,
  fused,
  log,
  max,
  mean,
  mul,
  neg,
  mulScalar,
  rsubScalar,
  sigmoid,
  sub,
  sum,
} from '../../autograd/index.ts';
import { detach } from '../../autograd/ops/copy.ts';
import { ex } from '../../tensor/expression.ts';
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
  let loss = bceWithLogitsTerms(input, target);
  if (weight) {
    broadcastShapes(weight.shape, input.shape, 'binary_cross_entropy_with_logits weight');
    loss = mul(loss, weight);
  }
  return reduce(loss, reduction);
}

// The expressions of the fused terms, built once (their compiled kernels are cached by expression).
const o = ex.operand;
/** max(x, 0) - x t + log(1 + exp(-|x|)), x and t operands 0 and 1. */
const BCE_TERMS = ex.add(
  ex.sub(ex.relu(o(0)), ex.mul(o(0), o(1))),
  ex.log(ex.addScalar(ex.exp(ex.neg(ex.abs(o(0)))), 1)),
);
/** g (sigmoid(x) - t), operands g, x, t. */
const BCE_GRADIENT = ex.mul(o(0), ex.sub(ex.sigmoid(o(1)), o(2)));
/** (a - b)^2 and its gradient 2 (a - b) g, operands a, b and g, a, b. */
const SQUARED_ERROR = ex.square(ex.sub(o(0), o(1)));
const SQUARED_ERROR_GRADIENT = ex.mul(o(0), ex.mulScalar(ex.sub(o(1), o(2)), 2));

/** Per element max(x, 0) - x t + log(1 + exp(-|x|)) in one kernel; d/dx = sigmoid(x) - t, d/dt = -x. */
function bceWithLogitsTerms(x: Tensor, t: Tensor): Tensor {
  return fused('bce_with_logits', BCE_TERMS, [x, t], (g, needs) => [
    needs[0] ? bceWithLogitsGradient(g, x, t) : null,
    needs[1] ? mul(g, neg(x)) : null,
  ]);
}

/** g (sigmoid(x) - t), the gradient of the terms above in x, in one kernel; its own gradients in composite ops. */
function bceWithLogitsGradient(g: Tensor, x: Tensor, t: Tensor): Tensor {
  return fused('bce_with_logits_backward', BCE_GRADIENT, [g, x, t], (gg, needs) => {
    const s = sigmoid(x);
    return [
      needs[0] ? mul(gg, sub(s, t)) : null,
      needs[1] ? mul(mul(gg, g), mul(s, rsubScalar(s, 1))) : null,
      needs[2] ? neg(mul(gg, g)) : null,
    ];
  });
}

/** (a - b)^2 per element in one kernel; its gradient 2 (a - b) g in another, whose own gradients are composite. */
function squaredError(a: Tensor, b: Tensor): Tensor {
  const gradient = (g: Tensor) =>
    fused('squared_error_backward', SQUARED_ERROR_GRADIENT, [g, a, b], (gg, needs) => {
      const twice = mulScalar(mul(gg, g), 2);
      return [
        needs[0] ? mul(gg, mulScalar(sub(a, b), 2)) : null,
        needs[1] ? twice : null,
        needs[2] ? neg(twice) : null,
      ];
    });
  return fused('squared_error', SQUARED_ERROR, [a, b], (g, needs) => {
    const ga = gradient(g);
    return [needs[0] ? ga : null, needs[1] ? neg(ga) : null];
  });
}

export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkSameShape('mse_loss', input, target);
  return reduce(squaredError(input, target), reduction);
}

export function l1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkSameShape('l1_loss', input, target);
  return reduce(abs(sub(input, target)), reduction);
}
