// Reductions over any axes. Each backward broadcasts the output gradient back over the reduced axes.

import type { ReduceOp } from '../../tensor/backend.ts';
import { normalizeAxes, reducedShape, sameShape, type Shape } from '../../tensor/shape.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { record } from '../graph.ts';
import { div, eq, mul, mulScalar, square, sub } from './elementwise.ts';
import { expand, reshape } from './shape.ts';
import { wrap } from './util.ts';

type Dim = number | readonly number[] | undefined;

function reduceRaw(op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  if (axes.length === 0) return wrap(x.backend.unary('mulScalar', x.storage, 1), x.shape); // nothing to reduce: a copy
  return wrap(x.backend.reduce(op, x.storage, { inShape: x.shape, axes }), reducedShape(x.shape, axes, false));
}

/** `g` (shaped like the reduced output) broadcast back to x's shape. */
function spread(g: Tensor, x: Tensor, axes: number[]): Tensor {
  return expand(reshape(g, reducedShape(x.shape, axes, true)), x.shape);
}

function finish(out: Tensor, x: Tensor, axes: number[], keepdim: boolean): Tensor {
  return keepdim ? reshape(out, reducedShape(x.shape, axes, true)) : out;
}

export function sum(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  const axes = normalizeAxes(dim, x.ndim, 'sum');
  const out = reduceRaw('sum', x, axes);
  record(out, 'sum', [x], (g) => [spread(g, x, axes)]);
  return finish(out, x, axes, keepdim);
}

export function mean(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  const axes = normalizeAxes(dim, x.ndim, 'mean');
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  if (count === 0) throw new Error(`mean: reducing ${axes.length ? 'an empty axis' : 'an empty tensor'}`);
  const out = reduceRaw('mean', x, axes);
  record(out, 'mean', [x], (g) => [mulScalar(spread(g, x, axes), 1 / count)]);
  return finish(out, x, axes, keepdim);
}

/** Max or min; the gradient is shared equally between tied elements, as in PyTorch's amax/amin. */
function extremum(op: 'max' | 'min', x: Tensor, dim: Dim, keepdim: boolean): Tensor {
  const axes = normalizeAxes(dim, x.ndim, op);
  if (x.size === 0) throw new Error(`${op}: reducing an empty tensor`);
  const out = reduceRaw(op, x, axes);
  record(out, op, [x], (g) => {
    const mask = eq(x, spread(out, x, axes)); // comparisons carry no gradient
    const share = div(mask, spread(reduceRaw('sum', mask, axes), x, axes));
    return [mul(spread(g, x, axes), share)];
  });
  return finish(out, x, axes, keepdim);
}

export const max = (x: Tensor, dim?: Dim, keepdim = false) => extremum('max', x, dim, keepdim);
export const min = (x: Tensor, dim?: Dim, keepdim = false) => extremum('min', x, dim, keepdim);

/** Variance with Bessel's correction by default (PyTorch's `correction=1`); two passes, never E[x^2] - E[x]^2. */
export function variance(x: Tensor, dim?: Dim, options: { correction?: number; keepdim?: boolean } = {}): Tensor {
  const axes = normalizeAxes(dim, x.ndim, 'var');
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const dof = count - (options.correction ?? 1);
  if (dof <= 0)
    throw new Error(`var: ${count} elements leave no degrees of freedom with correction ${options.correction ?? 1}`);
  const centered = sub(x, mean(x, axes, true));
  return mulScalar(sum(square(centered), axes, options.keepdim ?? false), 1 / dof);
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
