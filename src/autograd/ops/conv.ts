// Convolution as a closed triple: conv2d, its input gradient (which is also the transposed convolution) and its weight
// gradient. Each one's backward is written with the other two, so any order of derivative stays in the triple.

import type { Conv2dParams } from '../../tensor/backend.ts';
import { formatShape } from '../../tensor/shape.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { record } from '../graph.ts';
import { sum } from './broadcast.ts';
import { backendOf, wrap } from './util.ts';

/** A bias's gradient: the output gradient summed over all but the channel axis. */
const biasGradient = (g: Tensor) => sum(g, [0, 2, 3]);

/** conv2d, plus a bias per output channel added in the same kernel's stores when one is given. */
export function conv2dOp(x: Tensor, w: Tensor, p: Conv2dParams, bias: Tensor | null = null): Tensor {
  const backend = backendOf('conv2d', x, w, ...(bias ? [bias] : []));
  const y = wrap(backend.conv2d(x.storage, w.storage, p, bias?.storage), [p.n, p.cOut, p.oh, p.ow]);
  return record(y, 'conv2d', bias ? [x, w, bias] : [x, w], (g, needs) => [
    needs[0] ? conv2dGradInputOp(g, w, p) : null,
    needs[1] ? conv2dGradWeightOp(x, g, p) : null,
    ...(bias && needs[2] ? [biasGradient(g)] : []),
  ]);
}

/** The adjoint of conv2d in x: [n, cOut, oh, ow] -> [n, cIn, h, w]; as conv_transpose2d, with its optional bias. */
export function conv2dGradInputOp(gy: Tensor, w: Tensor, p: Conv2dParams, bias: Tensor | null = null): Tensor {
  const backend = backendOf('conv2d_grad_input', gy, w, ...(bias ? [bias] : []));
  const y = wrap(backend.conv2dGradInput(gy.storage, w.storage, p, bias?.storage), [p.n, p.cIn, p.h, p.w]);
  return record(y, 'conv2d_grad_input', bias ? [gy, w, bias] : [gy, w], (g, needs) => [
    needs[0] ? conv2dOp(g, w, p) : null,
    needs[1] ? conv2dGradWeightOp(g, gy, p) : null,
    ...(bias && needs[2] ? [biasGradient(g)] : []),
  ]);
}

/** The adjoint of conv2d in w: x and gy -> [cOut, cIn, kh, kw]. */
export function conv2dGradWeightOp(x: Tensor, gy: Tensor, p: Conv2dParams): Tensor {
  const y = wrap(backendOf('conv2d_grad_weight', x, gy).conv2dGradWeight(x.storage, gy.storage, p), [
    p.cOut,
    p.cIn,
    p.kh,
    p.kw,
  ]);
  return record(y, 'conv2d_grad_weight', [x, gy], (g, needs) => [
    needs[0] ? conv2dGradInputOp(gy, g, p) : null,
    needs[1] ? conv2dOp(x, g, p) : null,
  ]);
}

export type Pair = number | readonly [number, number];

export function pair(v: Pair, what: string): [number, number] {
  const [a, b] = typeof v === 'number' ? [v, v] : v;
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0)
    throw new Error(`${what} must be a non-negative integer or a pair of them, got ${String(v)}`);
  return [a, b];
}

function checkGroups(groups: number, op: string): void {
  if (groups !== 1) throw new Error(`${op}: groups=${groups} is not supported (only 1)`);
}

function checkBias(bias: Tensor | null, channels: number, op: string): void {
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== channels))
    throw new Error(`${op}: bias ${formatShape(bias.shape)} does not match ${channels} output channels`);
}

/** PyTorch's F.conv2d: input [n, cIn, h, w], weight [cOut, cIn, kh, kw]. */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  stride: Pair = 1,
  padding: Pair = 0,
  dilation: Pair = 1,
  groups = 1,
): Tensor {
  checkGroups(groups, 'conv2d');
  if (input.ndim !== 4 || weight.ndim !== 4)
    throw new Error(
      `conv2d: expected 4-d input and weight, got ${formatShape(input.shape)} and ${formatShape(weight.shape)}`,
    );
  const [n, cIn, h, w] = input.shape;
  const [cOut, cInW, kh, kw] = weight.shape;
  if (cIn !== cInW)
    throw new Error(
      `conv2d: input ${formatShape(input.shape)} has ${cIn} channels but weight ${formatShape(weight.shape)} expects ${cInW}`,
    );
  const [strideH, strideW] = pair(stride, 'conv2d: stride');
  const [padH, padW] = pair(padding, 'conv2d: padding');
  const [dilationH, dilationW] = pair(dilation, 'conv2d: dilation');
  if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1)
    throw new Error('conv2d: stride and dilation must be at least 1');
  const oh = Math.floor((h + 2 * padH - dilationH * (kh - 1) - 1) / strideH) + 1;
  const ow = Math.floor((w + 2 * padW - dilationW * (kw - 1) - 1) / strideW) + 1;
  if (oh < 1 || ow < 1)
    throw new Error(
      `conv2d: input ${formatShape(input.shape)} is smaller than the (dilated) kernel ${kh}x${kw} with padding ${padH},${padW}`,
    );
  const p = { n, cIn, h, w, cOut, kh, kw, oh, ow, strideH, strideW, padH, padW, dilationH, dilationW };
  checkBias(bias, cOut, 'conv2d');
  return conv2dOp(input, weight, p, bias);
}

/** PyTorch's F.conv_transpose2d: input [n, cIn, h, w], weight [cIn, cOut, kh, kw]. */
export function convTranspose2d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  stride: Pair = 1,
  padding: Pair = 0,
  outputPadding: Pair = 0,
  groups = 1,
  dilation: Pair = 1,
): Tensor {
  checkGroups(groups, 'conv_transpose2d');
  if (input.ndim !== 4 || weight.ndim !== 4)
    throw new Error(
      `conv_transpose2d: expected 4-d input and weight, got ${formatShape(input.shape)} and ${formatShape(weight.shape)}`,
    );
  const [n, cIn, h, w] = input.shape;
  const [cInW, cOut, kh, kw] = weight.shape;
  if (cIn !== cInW)
    throw new Error(
      `conv_transpose2d: input ${formatShape(input.shape)} has ${cIn} channels but weight ${formatShape(weight.shape)} expects ${cInW}`,
    );
  const [strideH, strideW] = pair(stride, 'conv_transpose2d: stride');
  const [padH, padW] = pair(padding, 'conv_transpose2d: padding');
  const [outPadH, outPadW] = pair(outputPadding, 'conv_transpose2d: output_padding');
  const [dilationH, dilationW] = pair(dilation, 'conv_transpose2d: dilation');
  if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1)
    throw new Error('conv_transpose2d: stride and dilation must be at least 1');
  if (outPadH >= Math.max(strideH, dilationH) || outPadW >= Math.max(strideW, dilationW))
    throw new Error('conv_transpose2d: output_padding must be smaller than stride or dilation');
  const outH = (h - 1) * strideH - 2 * padH + dilationH * (kh - 1) + outPadH + 1;
  const outW = (w - 1) * strideW - 2 * padW + dilationW * (kw - 1) + outPadW + 1;
  if (outH < 1 || outW < 1)
    throw new Error(`conv_transpose2d: padding ${padH},${padW} leaves no output for input ${formatShape(input.shape)}`);
  // The transposed convolution is the input gradient of the conv2d that maps [n, cOut, outH, outW] to this input.
  const p = {
    n,
    cIn: cOut,
    h: outH,
    w: outW,
    cOut: cIn,
    kh,
    kw,
    oh: h,
    ow: w,
    strideH,
    strideW,
    padH,
    padW,
    dilationH,
    dilationW,
  };
  checkBias(bias, cOut, 'conv_transpose2d');
  return conv2dGradInputOp(input, weight, p, bias);
}
