// Reductions other than sum (src/autograd/ops/broadcast.ts): mean, max, min and variance. Each backward broadcasts the
// output gradient back over the reduced axes.

import { ex } from '../../tensor/expression.ts';
import { normalizeAxes, reducedShape } from '../../tensor/shape.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { record } from '../graph.ts';
import { keepDims, spread, sum, type Dim } from './broadcast.ts';
import { div, eq, fused, mul, mulScalar, square, sub } from './elementwise.ts';
import { reduceRaw } from './util.ts';
import { reshape } from './view.ts';

export function mean(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  const axes = normalizeAxes(dim, x.ndim, 'mean');
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  if (count === 0) throw new Error(`mean: reducing ${axes.length ? 'an empty axis' : 'an empty tensor'}`);
  const out = reduceRaw('mean', x, axes);
  record(out, 'mean', [x], (g) => [spreadScaled(g, x, axes, 1 / count)]);
  return keepDims(out, x, axes, keepdim);
}

/** g spread back over the reduced axes and scaled, in one kernel (a gradient of the spread is the scaled sum). */
function spreadScaled(g: Tensor, x: Tensor, axes: number[], scale: number): Tensor {
  const kept = reshape(g, reducedShape(x.shape, axes, true));
  return fused('spread_scaled', ex.mulScalar(ex.operand(0), scale), [kept], (g2) => [mulScalar(g2, scale)], x.shape);
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
  return keepDims(out, x, axes, keepdim);
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
