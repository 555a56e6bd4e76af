// Float64 batch-norm primitives: per-channel statistics, the per-channel affine map, and the fused backward pieces.

import type { AffineParams, BatchNormParams, ChannelParams, RunningStatsParams } from '../tensor/backend.ts';

/** Calls fn(channel, index) for every element of an [n, c, hw] tensor. */
function forEachElement(p: ChannelParams, fn: (ch: number, i: number) => void): void {
  for (let img = 0; img < p.n; img++)
    for (let ch = 0; ch < p.c; ch++) {
      const base = (img * p.c + ch) * p.hw;
      for (let k = 0; k < p.hw; k++) fn(ch, base + k);
    }
}

const invstdOf = (variance: Float64Array, eps: number) => variance.map((v) => 1 / Math.sqrt(v + eps));

export function batchNormStats(
  x: Float64Array,
  weight: Float64Array | null,
  bias: Float64Array | null,
  p: BatchNormParams,
) {
  const count = p.n * p.hw;
  const mean = new Float64Array(p.c);
  const variance = new Float64Array(p.c);
  forEachElement(p, (ch, i) => (mean[ch] += x[i]));
  for (let ch = 0; ch < p.c; ch++) mean[ch] /= count;
  forEachElement(p, (ch, i) => (variance[ch] += (x[i] - mean[ch]) ** 2));
  for (let ch = 0; ch < p.c; ch++) variance[ch] /= count;
  const scale = variance.map((v, ch) => (weight ? weight[ch] : 1) / Math.sqrt(v + p.eps));
  const shift = mean.map((mu, ch) => (bias ? bias[ch] : 0) - mu * scale[ch]);
  return { mean, variance, scale, shift };
}

export function batchNormRunningStats(
  runningMean: Float64Array,
  runningVar: Float64Array,
  mean: Float64Array,
  variance: Float64Array,
  count: Float64Array | null,
  p: RunningStatsParams,
) {
  return {
    mean: runningMean.map((r, ch) => (1 - p.momentum) * r + p.momentum * mean[ch]),
    variance: runningVar.map((r, ch) => (1 - p.momentum) * r + p.varianceMomentum * variance[ch]),
    count: count && count.map((n) => n + 1),
  };
}

export function channelAffine(
  x: Float64Array,
  scale: Float64Array,
  shift: Float64Array,
  p: AffineParams,
): Float64Array {
  const y = new Float64Array(x.length);
  const slope = p.negativeSlope ?? 1;
  forEachElement(p, (ch, i) => {
    const a = x[i] * scale[ch] + shift[ch];
    y[i] = a > 0 ? a : slope * a;
  });
  return y;
}

export function batchNormBackwardSums(
  gy: Float64Array,
  x: Float64Array,
  y: Float64Array | null,
  mean: Float64Array,
  variance: Float64Array,
  p: BatchNormParams,
) {
  const invstd = invstdOf(variance, p.eps);
  const slope = p.negativeSlope ?? null;
  // Through the activation first, when there is one: its output is positive exactly where its input is.
  const g = y && slope !== null ? gy.map((v, i) => (y[i] > 0 ? v : slope * v)) : gy;
  const sumG = new Float64Array(p.c);
  const sumGXhat = new Float64Array(p.c);
  forEachElement(p, (ch, i) => {
    sumG[ch] += g[i];
    sumGXhat[ch] += g[i] * (x[i] - mean[ch]) * invstd[ch];
  });
  return { sumG, sumGXhat, g: g === gy ? null : g };
}

export function batchNormBackwardInput(
  g: Float64Array,
  x: Float64Array,
  mean: Float64Array,
  variance: Float64Array,
  scale: Float64Array,
  sumG: Float64Array,
  sumGXhat: Float64Array,
  p: BatchNormParams,
): Float64Array {
  const m = p.n * p.hw;
  const invstd = invstdOf(variance, p.eps);
  const gx = new Float64Array(x.length);
  forEachElement(p, (ch, i) => {
    const xhat = (x[i] - mean[ch]) * invstd[ch];
    gx[i] = scale[ch] * (g[i] - sumG[ch] / m - (xhat * sumGXhat[ch]) / m);
  });
  return gx;
}
