// Broadcasting and its adjoint: expand copies x along broadcast dimensions, sum adds dimensions away, and sumTo undoes
// a broadcast. The backward of each is written with the others, so they share a file.

import {
  broadcastShapes,
  broadcastStrides,
  formatShape,
  normalizeAxes,
  reducedShape,
  sameShape,
  type Shape,
} from '../../tensor/shape.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { record } from '../graph.ts';
import { gatherRaw, reduceRaw } from './util.ts';
import { reshape } from './view.ts';

/** The dimensions a reduction runs over: one, several, or (undefined) all. */
export type Dim = number | readonly number[] | undefined;

/** Broadcasts x to `shape` (-1 keeps a dimension), copying; PyTorch's expand. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0)
    throw new Error(`expand: cannot expand ${formatShape(x.shape)} to fewer dimensions ${formatShape(shape)}`);
  const target = shape.map((d, i) => (d === -1 ? x.shape[i - lead] : d));
  if (!sameShape(broadcastShapes(x.shape, target, 'expand'), target))
    throw new Error(`expand: cannot expand ${formatShape(x.shape)} to ${formatShape(shape)}`);
  if (sameShape(x.shape, target)) return x;
  const y = gatherRaw(x, target, broadcastStrides(x.shape, target), 0);
  return record(y, 'expand', [x], (g) => [sumTo(g, x.shape)]);
}

/** `g`, shaped like x reduced over `axes`, broadcast back to x's shape. */
export function spread(g: Tensor, x: Tensor, axes: number[]): Tensor {
  return expand(reshape(g, reducedShape(x.shape, axes, true)), x.shape);
}

/** A reduction's output, with the reduced dimensions kept as 1 when `keepdim` is set. */
export function keepDims(out: Tensor, x: Tensor, axes: number[], keepdim: boolean): Tensor {
  return keepdim ? reshape(out, reducedShape(x.shape, axes, true)) : out;
}

export function sum(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  const axes = normalizeAxes(dim, x.ndim, 'sum');
  const out = reduceRaw('sum', x, axes);
  record(out, 'sum', [x], (g) => [spread(g, x, axes)]);
  return keepDims(out, x, axes, keepdim);
}

/** Sums a broadcast gradient back to `shape` (the inverse of broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(g, axes), shape);
}
