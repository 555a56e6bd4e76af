// The gather and pad kernels against the float64 reference. Both only move values, so the results must match exactly
// (tolerance 0): every input is float32-representable and no arithmetic touches it. Small cases take the division-free
// index arithmetic, one case of each is above its limit; gathers of whole vec4s take the vec4 kernel.

import { describe, it } from 'vitest';
import type { GatherParams, PadParams } from '../../src/tensor/backend.ts';
import { FAST_INDEX_LIMIT } from '../../src/kernels/wgsl/common.ts';
import { contiguousStrides, numel } from '../../src/tensor/shape.ts';
import { compareBackends, randomValues } from '../helpers/backends.ts';

const EXACT = [0, 0] as const;
/** Rows of the cases above FAST_INDEX_LIMIT (2^23) output elements. */
const BIG = FAST_INDEX_LIMIT / 4 + 3;

/** A permutation of a contiguous tensor of `shape`. */
function permute(shape: number[], perm: number[]): GatherParams {
  const strides = contiguousStrides(shape);
  return { outShape: perm.map((d) => shape[d]), strides: perm.map((d) => strides[d]), offset: 0 };
}

const gathers: [string, number, GatherParams][] = [
  ['identity (contiguous copy), 1000 elements', 1000, { outShape: [10, 100], strides: [100, 1], offset: 0 }],
  ['2-d transpose 37x53', 37 * 53, permute([37, 53], [1, 0])],
  ['NCHW -> NHWC permute of [3, 5, 7, 9]', 3 * 5 * 7 * 9, permute([3, 5, 7, 9], [0, 2, 3, 1])],
  ['rank-6 permute', 2 * 3 * 4 * 5 * 2 * 3, permute([2, 3, 4, 5, 2, 3], [5, 3, 1, 0, 4, 2])],
  [
    'slice with offset: rows 2..9, columns 3..20 step 2 of [12, 25]',
    300,
    { outShape: [7, 9], strides: [25, 2], offset: 2 * 25 + 3 },
  ],
  [
    'expand [3, 1, 5] to [4, 3, 6, 5] (stride-0 dimensions)',
    15,
    { outShape: [4, 3, 6, 5], strides: [0, 5, 0, 1], offset: 0 },
  ],
  ['scalar broadcast to 70000 elements (folded grid)', 1, { outShape: [70000, 1], strides: [0, 0], offset: 0 }],
  // Runs of a multiple of 4 contiguous elements from a multiple of 4 move as vec4s.
  [
    'vec4s: channels 1..3 of [2, 6, 4, 4] (a latent half)',
    2 * 6 * 16,
    { outShape: [2, 3, 4, 4], strides: [96, 16, 4, 1], offset: 16 },
  ],
  ['vec4s: a row of 8 repeated 5 times', 8, { outShape: [5, 8], strides: [0, 1], offset: 0 }],
  ['one f32 each: runs of 8 from offset 2', 26, { outShape: [2, 8], strides: [12, 1], offset: 2 }],
  ['size-1 dimensions mixed in', 2 * 7, { outShape: [1, 7, 1, 2, 1], strides: [99, 1, 5, 7, 3], offset: 0 }],
  ['empty output', 4, { outShape: [0, 4], strides: [4, 1], offset: 0 }],
  // Above FAST_INDEX_LIMIT output elements the index arithmetic divides by integers.
  ['transpose of [4, 2^21 + 3] (integer division)', 4 * BIG, permute([4, BIG], [1, 0])],
];

const pads: [string, PadParams][] = [
  ['1-d both sides', { inShape: [17], before: [3], after: [5], value: 0 }],
  [
    'NCHW spatial padding 1 of [2, 3, 7, 9]',
    { inShape: [2, 3, 7, 9], before: [0, 0, 1, 1], after: [0, 0, 1, 1], value: 0 },
  ],
  ['uneven padding and a fill value', { inShape: [4, 5, 6], before: [1, 0, 2], after: [0, 3, 1], value: -2.5 }],
  [
    'padding only an outer dimension (merged inner ones)',
    { inShape: [3, 4, 5, 6], before: [2, 0, 0, 0], after: [1, 0, 0, 0], value: 1 },
  ],
  ['padding a size-1 dimension', { inShape: [1, 8], before: [2, 0], after: [3, 1], value: 7 }],
  ['no padding at all', { inShape: [3, 4], before: [0, 0], after: [0, 0], value: 0 }],
  ['empty input padded to a non-empty output', { inShape: [0, 3], before: [1, 0], after: [1, 0], value: 4 }],
  [
    '[2^21 + 3, 4] padded along both (integer division)',
    { inShape: [BIG, 4], before: [1, 1], after: [0, 2], value: 3 },
  ],
];

describe('layout kernels: WebGPU matches the float64 reference exactly', () => {
  for (const [name, size, p] of gathers) {
    it(`gather: ${name}`, async () => {
      await compareBackends(`gather ${name}`, [randomValues(size, 3)], (b, [x]) => b.gather(x, p), ...EXACT);
    });
  }
  for (const [name, p] of pads) {
    it(`pad: ${name}`, async () => {
      await compareBackends(`pad ${name}`, [randomValues(numel(p.inShape), 5)], (b, [x]) => b.pad(x, p), ...EXACT);
    });
  }
});
