// Views: reshape and the ops made of it. A view shares its input's storage (no copy); the backward of a reshape is a
// reshape back.

import { inferReshape, normalizeAxis } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../graph.ts';

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferReshape(x.shape, shape);
  const y = new Tensor(x.shareStorage(), target);
  return record(y, 'reshape', [x], (g) => [reshape(g, x.shape)]);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeAxis(startDim, x.ndim, 'flatten');
  const e = normalizeAxis(endDim, x.ndim, 'flatten');
  const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeAxis(dim, x.ndim + 1, 'unsqueeze');
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const d = normalizeAxis(dim, x.ndim, 'squeeze');
  return x.shape[d] === 1 ? reshape(x, [...x.shape.slice(0, d), ...x.shape.slice(d + 1)]) : reshape(x, x.shape);
}
