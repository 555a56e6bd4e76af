// A Grad-CAM-like composite, as CAVGA uses it: alpha = spatial mean of dy/dF, A = relu(sum_k alpha_k F_k),
// loss = mean(1 - A). The attention loss is differentiated through alpha, so its gradient needs second derivatives.

import { grad } from '../../src/autograd/engine.ts';
import * as ops from '../../src/autograd/index.ts';
import * as F from '../../src/nn/functional/index.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';

export const gradCamShapes = { x: [2, 2, 6, 6], w1: [3, 2, 3, 3], w2: [4, 3, 3, 3], w3: [2, 4, 1, 1] };

/**
 * loss(x, w1, w2, w3): features F from conv + leaky ReLU; y = sum(mu) of a non-linear head (conv, batch norm, leaky ReLU,
 * 1x1 conv). With `secondOrder` false, alpha is computed without createGraph and so acts as a constant.
 */
export function gradCamLoss(x: Tensor, w1: Tensor, w2: Tensor, w3: Tensor, secondOrder = true): Tensor {
  const features = ops.leakyRelu(ops.conv2d(x, w1, null, 1, 1), 0.2);
  const hidden = ops.leakyRelu(F.batchNorm(ops.conv2d(features, w2, null, 2, 1), null, null, null, null, true), 0.2);
  const mu = ops.conv2d(hidden, w3);
  const [dYdF] = grad(ops.sum(mu), features, { createGraph: secondOrder });
  const alpha = ops.mean(dYdF!, [2, 3], true);
  const attention = ops.relu(ops.sum(ops.mul(alpha, features), 1, true));
  return ops.mean(ops.rsubScalar(attention, 1));
}
