// Shape ops that copy (views are in view.ts, expand in broadcast.ts): permute and crop are the strided-gather
// primitive, pad is its own primitive, cat and stack are made of pads. Backwards: permute <-> inverse permute,
// crop <-> pad.

import { contiguousStrides, formatShape, normalizeAxis } from '../../tensor/shape.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { record } from '../graph.ts';
import { add } from './elementwise.ts';
import { backendOf, gatherRaw, wrap } from './util.ts';
import { unsqueeze } from './view.ts';

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
