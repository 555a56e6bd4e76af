// Pooling. Max pooling records the chosen positions once; its backward scatters through them and the scatter's backward
// gathers through them again, so the pair is closed under differentiation. Average pooling pairs with its adjoint.

import type { Pool2dParams } from '../../tensor/backend.ts';
import { formatShape } from '../../tensor/shape.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { record } from '../graph.ts';
import { pair, type Pair } from './conv.ts';
import { mean } from './reduce.ts';
import { wrap } from './util.ts';

function maxPoolScatterOp(gy: Tensor, indices: Tensor, p: Pool2dParams): Tensor {
  const y = wrap(gy.backend.maxPool2dScatter(gy.storage, indices.storage, p), [p.n, p.c, p.h, p.w]);
  return record(y, 'max_pool2d_backward', [gy], (g) => [maxPoolGatherOp(g, indices, p)]);
}

function maxPoolGatherOp(x: Tensor, indices: Tensor, p: Pool2dParams): Tensor {
  const y = wrap(x.backend.maxPool2dGather(x.storage, indices.storage, p), [p.n, p.c, p.oh, p.ow]);
  return record(y, 'max_pool2d_gather', [x], (g) => [maxPoolScatterOp(g, indices, p)]);
}

function avgPoolOp(x: Tensor, p: Pool2dParams): Tensor {
  const y = wrap(x.backend.avgPool2d(x.storage, p), [p.n, p.c, p.oh, p.ow]);
  return record(y, 'avg_pool2d', [x], (g) => [avgPoolGradOp(g, p)]);
}

function avgPoolGradOp(gy: Tensor, p: Pool2dParams): Tensor {
  const y = wrap(gy.backend.avgPool2dGrad(gy.storage, p), [p.n, p.c, p.h, p.w]);
  return record(y, 'avg_pool2d_backward', [gy], (g) => [avgPoolOp(g, p)]);
}

function geometry(
  op: string,
  x: Tensor,
  kernelSize: Pair,
  stride: Pair | null,
  padding: Pair,
  countIncludePad: boolean,
): Pool2dParams {
  if (x.ndim !== 4) throw new Error(`${op}: expected a 4-d input [n, c, h, w], got ${formatShape(x.shape)}`);
  const [n, c, h, w] = x.shape;
  const [kh, kw] = pair(kernelSize, `${op}: kernel_size`);
  const [strideH, strideW] = pair(stride ?? kernelSize, `${op}: stride`);
  const [padH, padW] = pair(padding, `${op}: padding`);
  if (kh < 1 || kw < 1 || strideH < 1 || strideW < 1)
    throw new Error(`${op}: kernel_size and stride must be at least 1`);
  if (2 * padH > kh || 2 * padW > kw)
    throw new Error(`${op}: padding ${padH},${padW} must be at most half of kernel_size ${kh},${kw}`);
  const oh = Math.floor((h + 2 * padH - kh) / strideH) + 1;
  const ow = Math.floor((w + 2 * padW - kw) / strideW) + 1;
  if (oh < 1 || ow < 1) throw new Error(`${op}: input ${formatShape(x.shape)} is smaller than the kernel ${kh}x${kw}`);
  return { n, c, h, w, kh, kw, oh, ow, strideH, strideW, padH, padW, countIncludePad };
}

/** PyTorch's F.max_pool2d (dilation 1, floor mode). */
export function maxPool2d(input: Tensor, kernelSize: Pair, stride: Pair | null = null, padding: Pair = 0): Tensor {
  const p = geometry('max_pool2d', input, kernelSize, stride, padding, false);
  const { values, indices } = input.backend.maxPool2d(input.storage, p);
  const chosen = wrap(indices, [p.n, p.c, p.oh, p.ow]);
  const y = wrap(values, [p.n, p.c, p.oh, p.ow]);
  return record(y, 'max_pool2d', [input], (g) => [maxPoolScatterOp(g, chosen, p)]);
}

/** PyTorch's F.avg_pool2d (floor mode). */
export function avgPool2d(
  input: Tensor,
  kernelSize: Pair,
  stride: Pair | null = null,
  padding: Pair = 0,
  countIncludePad = true,
): Tensor {
  return avgPoolOp(input, geometry('avg_pool2d', input, kernelSize, stride, padding, countIncludePad));
}

/** Mean over the spatial axes: [n, c, h, w] -> [n, c, 1, 1] (PyTorch's adaptive_avg_pool2d(x, 1)). */
export function globalAvgPool2d(input: Tensor): Tensor {
  if (input.ndim !== 4) throw new Error(`global_avg_pool2d: expected a 4-d input, got ${formatShape(input.shape)}`);
  return mean(input, [2, 3], true);
}
