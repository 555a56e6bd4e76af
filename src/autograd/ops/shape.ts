// Shape ops. reshape is a view (shared storage); permute, expand and crop are one strided-gather primitive; pad is its own
// primitive. Backwards: reshape <-> reshape, permute <-> inverse permute, expand -> sumTo, crop <-> pad.

import {
  broadcastShapes,
  broadcastStrides,
  contiguousStrides,
  formatShape,
  inferReshape,
  normalizeAxis,
  sameShape,
} from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../graph.ts';
import { add } from './elementwise.ts';
import { sumTo } from './reduce.ts';
import { backendOf, wrap } from './util.ts';

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

function gatherRaw(x: Tensor, outShape: number[], strides: number[], offset: number): Tensor {
  return wrap(x.backend.gather(x.storage, { outShape, strides, offset }), outShape);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const perm = dims.map((d) => normalizeAxis(d, x.ndim, 'permute'));
  if (perm.length !== x.ndim || new Set(perm).size !== x.ndim)
    throw new Error(`permute: dims [${dims.join(', ')}] are not a permutation of ${x.ndim} axes`);
  const strides = contiguousStrides(x.shape);
  const y = gatherRaw(
    x,
    perm.map((d) => x.shape[d]),
    perm.map((d) => strides[d]),
    0,
  );
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return record(y, 'permute', [x], (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const perm = [...x.shape.keys()];
  const a = normalizeAxis(dim0, x.ndim, 'transpose');
  const b = normalizeAxis(dim1, x.ndim, 'transpose');
  [perm[a], perm[b]] = [perm[b], perm[a]];
  return permute(x, perm);
}

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

/** The block of x starting at `starts` with extent `sizes` (one entry per dimension). */
export function crop(x: Tensor, starts: readonly number[], sizes: readonly number[]): Tensor {
  x.shape.forEach((d, i) => {
    if (starts[i] < 0 || sizes[i] < 0 || starts[i] + sizes[i] > d)
      throw new Error(
        `slice: block start ${formatShape(starts)} size ${formatShape(sizes)} is outside ${formatShape(x.shape)}`,
      );
  });
  const strides = contiguousStrides(x.shape);
  const offset = starts.reduce((o, s, i) => o + s * strides[i], 0);
  const y = gatherRaw(x, [...sizes], strides, offset);
  return record(y, 'slice', [x], (g) => [
    padRaw(
      g,
      [...starts],
      x.shape.map((d, i) => d - starts[i] - sizes[i]),
      0,
    ),
  ]);
}

/** x[..., start:end, ...] along `dim` (negative indices count from the end, like Python). */
export function slice(x: Tensor, dim: number, start: number, end?: number): Tensor {
  const d = normalizeAxis(dim, x.ndim, 'slice');
  const size = x.shape[d];
  const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const s = clampIndex(start);
  const e = Math.max(s, clampIndex(end ?? size));
  return crop(
    x,
    x.shape.map((_, i) => (i === d ? s : 0)),
    x.shape.map((n, i) => (i === d ? e - s : n)),
  );
}

/** Constant padding with per-dimension amounts; the gradient crops the padded region away. */
export function padRaw(x: Tensor, before: number[], after: number[], value: number): Tensor {
  const outShape = x.shape.map((d, i) => d + before[i] + after[i]);
  const y = wrap(x.backend.pad(x.storage, { inShape: x.shape, before, after, value }), outShape);
  return record(y, 'pad', [x], (g) => [crop(g, before, x.shape)]);
}

/**
 * PyTorch's F.pad: `pad` lists (before, after) pairs starting from the LAST dimension, e.g. [left, right, top, bottom].
 * Only constant padding.
 */
export function pad(x: Tensor, padding: readonly number[], value = 0): Tensor {
  if (padding.length % 2 || padding.length / 2 > x.ndim)
    throw new Error(`pad: padding of length ${padding.length} does not fit a tensor of rank ${x.ndim}`);
  if (padding.some((p) => !Number.isInteger(p) || p < 0))
    throw new Error(`pad: amounts must be non-negative integers, got [${padding.join(', ')}]`);
  const before = new Array<number>(x.ndim).fill(0);
  const after = new Array<number>(x.ndim).fill(0);
  for (let k = 0; k < padding.length / 2; k++) {
    before[x.ndim - 1 - k] = padding[2 * k];
    after[x.ndim - 1 - k] = padding[2 * k + 1];
  }
  return padRaw(x, before, after, value);
}

/** Concatenation along `dim`: each part padded into place, then summed (the backward crops each part out again). */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (!tensors.length) throw new Error('cat: no tensors given');
  backendOf('cat', ...tensors);
  const first = tensors[0];
  const d = normalizeAxis(dim, first.ndim, 'cat');
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((n, i) => i !== d && n !== first.shape[i])) {
      throw new Error(
        `cat: shapes ${formatShape(first.shape)} and ${formatShape(t.shape)} differ outside dimension ${d}`,
      );
    }
  }
  const total = tensors.reduce((n, t) => n + t.shape[d], 0);
  let offset = 0;
  let out: Tensor | null = null;
  for (const t of tensors) {
    const before = t.shape.map((_, i) => (i === d ? offset : 0));
    const after = t.shape.map((_, i) => (i === d ? total - offset - t.shape[d] : 0));
    const placed = padRaw(t, before, after, 0);
    out = out ? add(out, placed) : placed;
    offset += t.shape[d];
  }
  return out!;
}

export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (!tensors.length) throw new Error('stack: no tensors given');
  const d = normalizeAxis(dim, tensors[0].ndim + 1, 'stack');
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}
