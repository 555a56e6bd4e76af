// Reductions and data movement: reduce over axes, strided gather (permute, slice, expand) and constant padding.

import type { GatherParams, PadParams, ReduceOp, ReduceParams } from '../tensor/backend.ts';
import { contiguousStrides, numel } from '../tensor/shape.ts';
import { stridedOffsets } from './strided.ts';

const identity: Record<ReduceOp, number> = { sum: 0, mean: 0, max: -Infinity, min: Infinity };
const combine: Record<ReduceOp, (acc: number, v: number) => number> = {
  sum: (acc, v) => acc + v,
  mean: (acc, v) => acc + v, // then divided by the count
  max: Math.max, // propagates NaN, like torch.max
  min: Math.min,
};

export function reduce(op: ReduceOp, x: Float64Array, p: ReduceParams): Float64Array {
  const keptShape = p.inShape.filter((_, d) => !p.axes.includes(d));
  const keptStrides = contiguousStrides(keptShape);
  // Each input dimension's stride in the output, 0 on reduced ones: one walk over the input then finds every element's
  // output slot.
  let k = 0;
  const toOut = p.inShape.map((_, d) => (p.axes.includes(d) ? 0 : keptStrides[k++]));
  const slot = stridedOffsets(p.inShape, toOut, 0);
  const out = new Float64Array(numel(keptShape)).fill(identity[op]);
  const f = combine[op];
  for (let i = 0; i < x.length; i++) out[slot[i]] = f(out[slot[i]], x[i]);
  if (op === 'mean') {
    const count = p.axes.reduce((n, a) => n * p.inShape[a], 1);
    for (let i = 0; i < out.length; i++) out[i] /= count;
  }
  return out;
}

export function gather(x: Float64Array, p: GatherParams): Float64Array {
  const from = stridedOffsets(p.outShape, p.strides, p.offset);
  const out = new Float64Array(from.length);
  for (let i = 0; i < out.length; i++) out[i] = x[from[i]];
  return out;
}

export function pad(x: Float64Array, p: PadParams): Float64Array {
  const outShape = p.inShape.map((d, i) => d + p.before[i] + p.after[i]);
  const outStrides = contiguousStrides(outShape);
  const corner = p.before.reduce((o, b, i) => o + b * outStrides[i], 0);
  // The input is written into the block of the output that starts at the `before` corner.
  const to = stridedOffsets(p.inShape, outStrides, corner);
  const out = new Float64Array(numel(outShape)).fill(p.value);
  for (let i = 0; i < x.length; i++) out[to[i]] = x[i];
  return out;
}
