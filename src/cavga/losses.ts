// CAVGA's loss terms (docs/cavga-spec.md, "Losses"), each a mean so that the default weights keep their meaning across sizes.

import {
  add,
  div,
  exp,
  fused,
  gt,
  maximum,
  mean,
  mul,
  rsubScalar,
  sum,
  mulScalar,
  reshape,
  slice,
} from '../autograd/ops/index.ts';
import { noGrad } from '../autograd/graph.ts';
import { binaryCrossEntropyWithLogits, logSoftmax, mseLoss } from '../nn/functional/index.ts';
import { fullLike } from '../tensor/creation.ts';
import { ex } from '../tensor/expression.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** L_R: mean squared error between reconstruction and input. */
export const reconstructionLoss = (xHat: Tensor, x: Tensor) => mseLoss(xHat, x);

/** KL(q(z|x) || N(0, I)) as a mean over latent entries: -0.5 mean(1 + logvar - mu^2 - exp(logvar)). */
/** 1 + logvar - mu^2 - exp(logvar), mu and logvar operands 0 and 1; built once, its kernel cached by expression. */
const KL_TERMS = ex.sub(ex.addScalar(ex.operand(1), 1), ex.add(ex.square(ex.operand(0)), ex.exp(ex.operand(1))));

export function klDivergence(mu: Tensor, logvar: Tensor): Tensor {
  // The terms in one kernel; their gradients -2 mu g and (1 - exp(logvar)) g.
  const terms = fused('kl_terms', KL_TERMS, [mu, logvar], (g, needs) => [
    needs[0] ? mul(g, mulScalar(mu, -2)) : null,
    needs[1] ? mul(g, rsubScalar(exp(logvar), 1)) : null,
  ]);
  return mulScalar(mean(terms), -0.5);
}

/** The discriminator's loss: -mean(log D(x)) - mean(log(1 - D(x_hat))), in the stable logits form. */
export function discriminatorLoss(realLogits: Tensor, fakeLogits: Tensor): Tensor {
  return add(
    binaryCrossEntropyWithLogits(realLogits, fullLike(realLogits, 1)),
    binaryCrossEntropyWithLogits(fakeLogits, fullLike(fakeLogits, 0)),
  );
}

/** The encoder/decoder's non-saturating adversarial loss: -mean(log D(x_hat)). */
export function generatorAdversarialLoss(fakeLogits: Tensor): Tensor {
  return binaryCrossEntropyWithLogits(fakeLogits, fullLike(fakeLogits, 1));
}

/** L_ae: mean over images and positions of (1 - A). */
export const attentionExpansionLoss = (attention: Tensor) => mean(rsubScalar(attention, 1));

/** Cross-entropy of the classifier's two logits against labels (0 normal, 1 anomalous) given as one-hot [n, 2]. */
export function classificationLoss(logits: Tensor, oneHot: Tensor): Tensor {
  return mulScalar(mean(sum(mul(logSoftmax(logits, 1), oneHot), 1)), -1);
}

/**
 * L_cga: for each normal image that the classifier calls normal (s_n > s_a), the mean over positions of (1 - A_n + A_a);
 * averaged over those images (0 when there are none). The indicator is a constant: no gradient flows through it.
 */
export function guidedAttentionLoss(
  attentionNormal: Tensor,
  attentionAnomalous: Tensor,
  logits: Tensor,
  normalMask: Tensor,
): Tensor {
  const n = logits.shape[0];
  const indicator = noGrad(() => mul(normalMask, reshape(gt(slice(logits, 1, 0, 1), slice(logits, 1, 1, 2)), [n])));
  const perImage = reshape(mean(add(rsubScalar(attentionNormal, 1), attentionAnomalous), [1, 2, 3]), [n]);
  return div(sum(mul(indicator, perImage)), maximum(sum(indicator), 1));
}
