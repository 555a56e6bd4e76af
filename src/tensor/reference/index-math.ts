// Strided index arithmetic shared by the reference kernels.

import type { Shape } from '../shape.ts';

/** Calls fn(outIndex, offset) for every element of `shape` in row-major order, with offset = sum idx_j * strides[j]. */
export function forEachStrided(shape: Shape, strides: readonly number[], base: number, fn: (i: number, offset: number) => void): void {
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  const total = shape.reduce((a, b) => a * b, 1);
  let offset = base;
  for (let i = 0; i < total; i++) {
    fn(i, offset);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      offset += strides[d];
      if (idx[d] < shape[d]) break;
      offset -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}
