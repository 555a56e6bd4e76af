// Gaussian smoothing with the engine's conv2d, one channel at a time: SSIM's local statistics and smoothed anomaly maps.

import { conv2d, div, reshape } from '../autograd/ops/index.ts';
import { full, tensor } from '../tensor/creation.ts';
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

/**
 * A map [n, c, h, w] smoothed by a Gaussian of `sigma` pixels (window radius 2 sigma; sigma 0 leaves it as it is): a
 * defect is a region, so smoothing lifts it over single-pixel noise. Dividing by the smoothed all-ones image keeps the
 * border's values a weighted mean instead of fading them.
 */
export function smoothMap(map: Tensor, sigma: number): Tensor {
  if (sigma === 0) return map;
  const [, , h, w] = map.shape;
  const window = 2 * Math.ceil(2 * sigma) + 1;
  const coverage = gaussianBlur(full([1, 1, h, w], 1, { device: map.backend }), window, sigma);
  return div(gaussianBlur(map, window, sigma), coverage);
}
