// Strided index arithmetic shared by the element-wise and layout primitives.

import type { Shape } from '../tensor/shape.ts';

/**
 * For every element of `shape` in row-major order, its offset base + sum_j idx_j * strides[j]. Walking an odometer keeps
 * this to one add per element instead of a divide and modulo per dimension.
 */
export function stridedOffsets(shape: Shape, strides: readonly number[], base: number): Int32Array {
  const rank = shape.length;
  const total = shape.reduce((a, b) => a * b, 1);
  const offsets = new Int32Array(total);
  const idx = new Array<number>(rank).fill(0);
  let offset = base;
  for (let i = 0; i < total; i++) {
    offsets[i] = offset;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      offset += strides[d];
      if (idx[d] < shape[d]) break;
      offset -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return offsets;
}
