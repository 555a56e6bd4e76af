// Structural similarity (Wang et al. 2004) with an 11x11 Gaussian window (sigma 1.5), computed with the engine's conv2d so
// that its gradient (for the AE-SSIM baseline's loss) comes from autograd.

import { add, addScalar, div, mean, mul, mulScalar, rsubScalar, square, sub } from '../autograd/ops/index.ts';
import { formatShape, sameShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { gaussianBlur } from '../anomaly/gaussian-blur.ts';

const WINDOW = 11;
const SIGMA = 1.5;

/**
 * Per-pixel SSIM of two image batches [n, c, h, w] with values spanning `dataRange` (2 for [-1, 1]); zero padding keeps
 * the map the images' size. Returns [n, c, h, w].
 */
export function ssimMap(x: Tensor, y: Tensor, dataRange = 2): Tensor {
  if (!sameShape(x.shape, y.shape) || x.ndim !== 4)
    throw new Error(
      `ssim: expected two [n, c, h, w] batches of one shape, got ${formatShape(x.shape)} and ${formatShape(y.shape)}`,
    );
  const blur = (t: Tensor) => gaussianBlur(t, WINDOW, SIGMA);
  const c1 = (0.01 * dataRange) ** 2;
  const c2 = (0.03 * dataRange) ** 2;
  const muX = blur(x);
  const muY = blur(y);
  const muXY = mul(muX, muY);
  const sigmaX = sub(blur(square(x)), square(muX));
  const sigmaY = sub(blur(square(y)), square(muY));
  const sigmaXY = sub(blur(mul(x, y)), muXY);
  const numerator = mul(addScalar(mulScalar(muXY, 2), c1), addScalar(mulScalar(sigmaXY, 2), c2));
  const denominator = mul(addScalar(add(square(muX), square(muY)), c1), addScalar(add(sigmaX, sigmaY), c2));
  return div(numerator, denominator);
}

/** 1 - mean SSIM: the AE-SSIM baseline's reconstruction loss. */
export const ssimLoss = (xHat: Tensor, x: Tensor, dataRange = 2) => rsubScalar(mean(ssimMap(xHat, x, dataRange)), 1);
