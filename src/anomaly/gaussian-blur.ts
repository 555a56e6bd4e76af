// Gaussian smoothing with the engine's conv2d, one channel at a time: SSIM's local statistics and the smoothed
// reconstruction error of the 'attention-error' anomaly map.

import { conv2d, reshape } from '../autograd/ops/index.ts';
import { tensor } from '../tensor/creation.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** A size x size window (row-major) of a Gaussian with this sigma, summing to 1. */
export function gaussianWindow(size: number, sigma: number): number[] {
  const g = Array.from({ length: size }, (_, i) => Math.exp(-((i - (size - 1) / 2) ** 2) / (2 * sigma * sigma)));
  const total = g.reduce((a, b) => a + b, 0);
  const g1 = g.map((v) => v / total);
  return g1.flatMap((a) => g1.map((b) => a * b));
}

/** Each channel of `t` [n, c, h, w] convolved with a size x size Gaussian window (odd size); zero padding keeps h x w. */
export function gaussianBlur(t: Tensor, size: number, sigma: number): Tensor {
  if (t.ndim !== 4 || size % 2 !== 1)
    throw new Error(`gaussianBlur: expected [n, c, h, w] and an odd window, got [${t.shape.join(', ')}] and ${size}`);
  const [n, c, h, w] = t.shape;
  const window = tensor(gaussianWindow(size, sigma), [1, 1, size, size], { device: t.backend });
  return reshape(conv2d(reshape(t, [n * c, 1, h, w]), window, null, 1, (size - 1) / 2), [n, c, h, w]);
}
