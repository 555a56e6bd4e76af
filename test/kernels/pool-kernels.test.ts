// The pooling kernels and their adjoints against the float64 reference, over geometries with overlapping windows,
// padding, odd sizes that leave a remainder, non-square windows and ceil-mode output sizes (windows past the image; the
// engine has no ceil mode, and with countIncludePad both backends divide by kh * kw there, where PyTorch would clip).

import { describe, expect, it } from 'vitest';
import type { Pool2dParams } from '../../src/tensor/backend.ts';
import { compareBackends, randomValues, reference, webgpu } from '../helpers/backends.ts';

interface Geometry {
  n: number;
  c: number;
  h: number;
  w: number;
  k: [number, number];
  stride: [number, number];
  pad?: [number, number];
  ceil?: boolean;
}

/** Output sizes as PyTorch computes them; in ceil mode the last window must still start inside the padded input's left part. */
function pool(g: Geometry, countIncludePad = true): Pool2dParams {
  const [kh, kw] = g.k;
  const [strideH, strideW] = g.stride;
  const [padH, padW] = g.pad ?? [0, 0];
  const size = (len: number, k: number, s: number, p: number) => {
    let out = (g.ceil ? Math.ceil : Math.floor)((len + 2 * p - k) / s) + 1;
    if (g.ceil && (out - 1) * s >= len + p) out--;
    return out;
  };
  return {
    n: g.n,
    c: g.c,
    h: g.h,
    w: g.w,
    kh,
    kw,
    oh: size(g.h, kh, strideH, padH),
    ow: size(g.w, kw, strideW, padW),
    strideH,
    strideW,
    padH,
    padW,
    countIncludePad,
  };
}

const geometries: [string, Geometry][] = [
  ['k2 s2 on 8x8', { n: 2, c: 3, h: 8, w: 8, k: [2, 2], stride: [2, 2] }],
  ['k2 s2 on odd 7x9 (last row and column unused)', { n: 1, c: 2, h: 7, w: 9, k: [2, 2], stride: [2, 2] }],
  ['k3 s2 p1, overlapping, odd 9x11', { n: 2, c: 3, h: 9, w: 11, k: [3, 3], stride: [2, 2], pad: [1, 1] }],
  ['k3 s1 p1', { n: 2, c: 2, h: 5, w: 6, k: [3, 3], stride: [1, 1], pad: [1, 1] }],
  ['non-square k 2x3, stride 1x2, pad 1x1', { n: 1, c: 3, h: 6, w: 7, k: [2, 3], stride: [1, 2], pad: [1, 1] }],
  [
    'ceil mode k2 s2 on 7x7 (windows past the image)',
    { n: 1, c: 2, h: 7, w: 7, k: [2, 2], stride: [2, 2], ceil: true },
  ],
  ['ceil mode k3 s2 p1 on 6x8', { n: 2, c: 1, h: 6, w: 8, k: [3, 3], stride: [2, 2], pad: [1, 1], ceil: true }],
  ['whole plane: k5 on 5x5', { n: 2, c: 3, h: 5, w: 5, k: [5, 5], stride: [1, 1] }],
  ['k2 s2 on [8, 32, 32, 32] (folded grid)', { n: 8, c: 32, h: 32, w: 32, k: [2, 2], stride: [2, 2] }],
];

const inSize = (p: Pool2dParams) => p.n * p.c * p.h * p.w;
const outSize = (p: Pool2dParams) => p.n * p.c * p.oh * p.ow;

/** The reference's max-pool indices for x, as the index input of the adjoint kernels (both backends get the same ones). */
async function referenceIndices(x: Float32Array, p: Pool2dParams): Promise<Float32Array> {
  const { values, indices } = reference.maxPool2d(reference.upload(x), p);
  reference.release(values);
  return Float32Array.from(await reference.read(indices));
}

// Tolerances. Max pooling, its indices and the gather move values unchanged: exact. The max-pool adjoint adds at most
// ceil(k / s)^2 gradients per input, and average pooling adds at most k^2 inputs and divides: a few float32 roundings of
// values below k^2 in size, so 1e-5 relative and 1e-6 absolute.
const EXACT = [0, 0] as const;
const SUMS = [1e-5, 1e-6] as const;

describe('pooling kernels: WebGPU matches the float64 reference', () => {
  for (const [name, g] of geometries) {
    const p = pool(g);
    const x = randomValues(inSize(p), 11);

    it(`maxPool2d values: ${name}`, async () => {
      await compareBackends(
        `maxPool2d values ${name}`,
        [x],
        (b, [xs]) => {
          const { values, indices } = b.maxPool2d(xs, p);
          b.release(indices);
          return values;
        },
        ...EXACT,
      );
    });

    it(`maxPool2d indices: ${name}`, async () => {
      await compareBackends(
        `maxPool2d indices ${name}`,
        [x],
        (b, [xs]) => {
          const { values, indices } = b.maxPool2d(xs, p);
          b.release(values);
          return indices;
        },
        ...EXACT,
      );
    });

    it(`maxPool2dScatter: ${name}`, async () => {
      const indices = await referenceIndices(x, p);
      await compareBackends(
        `maxPool2dScatter ${name}`,
        [randomValues(outSize(p), 12), indices],
        (b, [gy, idx]) => b.maxPool2dScatter(gy, idx, p),
        ...SUMS,
      );
    });

    it(`maxPool2dGather: ${name}`, async () => {
      const indices = await referenceIndices(x, p);
      await compareBackends(
        `maxPool2dGather ${name}`,
        [randomValues(inSize(p), 13), indices],
        (b, [xs, idx]) => b.maxPool2dGather(xs, idx, p),
        ...EXACT,
      );
    });

    for (const countIncludePad of [true, false]) {
      const q = pool(g, countIncludePad);
      it(`avgPool2d (countIncludePad ${countIncludePad}): ${name}`, async () => {
        await compareBackends(`avgPool2d ${name}`, [x], (b, [xs]) => b.avgPool2d(xs, q), ...SUMS);
      });
      it(`avgPool2dGrad (countIncludePad ${countIncludePad}): ${name}`, async () => {
        await compareBackends(
          `avgPool2dGrad ${name}`,
          [randomValues(outSize(q), 14)],
          (b, [gy]) => b.avgPool2dGrad(gy, q),
          ...SUMS,
        );
      });
    }
  }

  const padded = pool({ n: 2, c: 2, h: 7, w: 9, k: [3, 3], stride: [2, 2], pad: [1, 1] });

  it('max pooling over all-negative inputs never picks the padding', async () => {
    const negative = randomValues(inSize(padded), 15).map((v) => v - 2);
    await compareBackends(
      'maxPool2d negative',
      [negative],
      (b, [xs]) => {
        const { values, indices } = b.maxPool2d(xs, padded);
        b.release(indices);
        return values;
      },
      ...EXACT,
    );
  });

  it('windows wholly in padding give -Infinity and index -1, which the adjoints skip', async () => {
    const p = pool({ n: 1, c: 2, h: 3, w: 4, k: [1, 1], stride: [1, 1], pad: [1, 1] });
    const x = randomValues(inSize(p), 17);
    const gy = randomValues(outSize(p), 18);
    const g = await webgpu();
    const results = async (b: typeof g | typeof reference) => {
      const { values, indices } = b.maxPool2d(b.upload(x), p);
      const scattered = b.maxPool2dScatter(b.upload(gy), indices, p);
      const gathered = b.maxPool2dGather(b.upload(x), indices, p);
      return Promise.all([values, indices, scattered, gathered].map(async (s) => Array.from(await b.read(s))));
    };
    const [actual, expected] = [await results(g), await results(reference)];
    expect(expected[1]).toContain(-1);
    expect(actual).toEqual(expected);
  });

  it('max pooling ties pick the first position in row-major window order', async () => {
    const ties = randomValues(inSize(padded), 16).map((v) => Math.round(v)); // only -1, 0 and 1: many ties
    await compareBackends(
      'maxPool2d ties',
      [ties],
      (b, [xs]) => {
        const { values, indices } = b.maxPool2d(xs, padded);
        b.release(values);
        return indices;
      },
      ...EXACT,
    );
  });
});
