// The float64 reference backend on its own: hand-computed examples per primitive, adjoint identities for the
// convolution and pooling pairs, matmul against a naive loop, and known-answer vectors for the random generator.

import { describe, expect, it } from 'vitest';
import type { Conv2dParams, MatmulParams, Pool2dParams, Storage } from '../../src/tensor/backend.ts';
import { threefry2x32 } from '../../src/tensor/random.ts';
import { ReferenceBackend } from '../../src/reference/backend.ts';
import { broadcastStrides, contiguousStrides, numel, type Shape } from '../../src/tensor/shape.ts';

const cpu = new ReferenceBackend();
const up = (values: ArrayLike<number>) => cpu.upload(values);
const read = async (s: Storage) => Array.from(await cpu.read(s));

import { lcgValues as values } from '../../src/tensor/lcg.ts';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

function expectRelClose(a: number, b: number, rtol: number): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rtol * Math.max(Math.abs(a), Math.abs(b)));
}

describe('reference backend: storage', () => {
  it('upload copies float64 values exactly and read returns a copy', async () => {
    const src = [0.1, 1 / 3, 1e-300];
    const s = up(src);
    src[0] = 42;
    const first = await cpu.read(s);
    expect(first).toBeInstanceOf(Float64Array);
    expect(Array.from(first)).toEqual([0.1, 1 / 3, 1e-300]);
    first[0] = 7;
    expect(await read(s)).toEqual([0.1, 1 / 3, 1e-300]);
  });

  it('counts 4 bytes per element, tracks the peak and frees on release', () => {
    const backend = new ReferenceBackend();
    const a = backend.upload(new Float64Array(10));
    const b = backend.fill(5, 2);
    expect(backend.memory()).toEqual({
      liveBytes: 60,
      peakBytes: 60,
      liveStorages: 2,
      pooledBytes: 0,
      allocatedBytes: 60,
    });
    backend.release(a);
    expect(backend.memory()).toEqual({
      liveBytes: 20,
      peakBytes: 60,
      liveStorages: 1,
      pooledBytes: 0,
      allocatedBytes: 20,
    });
    backend.release(b);
    expect(backend.memory().liveBytes).toBe(0);
  });

  it('a released storage cannot be used, read or released again', async () => {
    const s = up([1, 2]);
    cpu.release(s);
    expect(() => cpu.unary('neg', s, 0)).toThrow(/already released \(disposed\)/);
    expect(() => cpu.binary('add', s, up([1, 2]), { outShape: [2], strides: [[1], [1]] })).toThrow(/already released/);
    expect(() => cpu.release(s)).toThrow(/already released/);
    await expect(cpu.read(s)).rejects.toThrow(/already released/);
  });

  it("another backend's storage is refused in any argument position, naming the primitive", () => {
    const foreign = { size: 4, backend: { name: 'webgpu' } } as unknown as Storage;
    const p = { n: 1, c: 2, hw: 2, eps: 1e-5 };
    const [x, c2] = [up([1, 2, 3, 4]), up([0, 1])];
    expect(() => cpu.batchNormBackwardInput(x, x, c2, c2, c2, c2, foreign, p)).toThrow(
      /^batch_norm_backward_input: operand lives on the webgpu backend, not cpu$/,
    );
    expect(() => cpu.where(x, foreign, x, { outShape: [4], strides: [[1], [1], [1]] })).toThrow(
      /^where: operand lives on the webgpu backend/,
    );
    expect(() => cpu.unary('exp', foreign, 0)).toThrow(/^exp: operand lives on the webgpu backend/);
  });
});

describe('reference backend: element-wise', () => {
  it('unary ops use the shared table, with alpha', async () => {
    expect(await read(cpu.unary('relu', up([-1, 0, 2]), 0))).toEqual([0, 0, 2]);
    expect(await read(cpu.unary('leakyRelu', up([-2, 3]), 0.1))).toEqual([-0.2, 3]);
    expect(await read(cpu.unary('rsubScalar', up([1, 4]), 10))).toEqual([9, 6]);
  });

  it('binary ops broadcast through strides', async () => {
    // [2, 3] - [3]
    const p = { outShape: [2, 3], strides: [[3, 1], broadcastStrides([3], [2, 3])] };
    expect(await read(cpu.binary('sub', up([1, 2, 3, 4, 5, 6]), up([1, 10, 100]), p))).toEqual([
      0, -8, -97, 3, -5, -94,
    ]);
    // [2, 1] vs [1, 3]: an outer comparison
    const q = { outShape: [2, 3], strides: [broadcastStrides([2, 1], [2, 3]), broadcastStrides([1, 3], [2, 3])] };
    expect(await read(cpu.binary('gt', up([1, 2]), up([0, 1, 2]), q))).toEqual([1, 0, 0, 1, 1, 0]);
  });

  it('where picks a where cond is non-zero, broadcasting all three', async () => {
    const out = [2, 2];
    const p = {
      outShape: out,
      strides: [broadcastStrides([2, 1], out), broadcastStrides([2, 2], out), broadcastStrides([], out)],
    };
    expect(await read(cpu.where(up([1, 0]), up([1, 2, 3, 4]), up([-1]), p))).toEqual([1, 2, -1, -1]);
  });
});

/** Row-major multi-index of flat index i. */
function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

describe('reference backend: layout', () => {
  const shape = [2, 3, 4, 5];
  const x = values(numel(shape), 7);

  /** Reduction by grouping every input element under its kept multi-index. */
  function naiveReduce(axes: number[], f: (a: number, b: number) => number): number[] {
    const groups = new Map<string, number>();
    for (let i = 0; i < x.length; i++) {
      const key = unravel(i, shape)
        .filter((_, d) => !axes.includes(d))
        .join(',');
      groups.set(key, groups.has(key) ? f(groups.get(key)!, x[i]) : x[i]);
    }
    return [...groups.values()];
  }

  for (const axes of [[0, 2, 3], [1], [0, 1, 2, 3]]) {
    it(`reduce over axes (${axes}) drops them and keeps the rest in order`, async () => {
      for (const [op, f] of [
        ['sum', (a: number, b: number) => a + b],
        ['max', Math.max],
        ['min', Math.min],
      ] as const) {
        const got = await read(cpu.reduce(op, up(x), { inShape: shape, axes }));
        const want = naiveReduce(axes, f);
        expect(got.length).toBe(want.length);
        got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
      }
    });
  }

  it('gather permutes: out[i, j, k] = x[j, k, i]', async () => {
    const inShape = [2, 3, 4];
    const s = contiguousStrides(inShape);
    const v = values(24, 3);
    const got = await read(cpu.gather(up(v), { outShape: [4, 2, 3], strides: [s[2], s[0], s[1]], offset: 0 }));
    got.forEach((g, flat) => {
      const [i, j, k] = unravel(flat, [4, 2, 3]);
      expect(g).toBe(v[j * 12 + k * 4 + i]);
    });
  });

  it('gather slices and expands', async () => {
    const v = Array.from({ length: 20 }, (_, i) => i); // [4, 5]
    // v[1:3, 2:5]
    expect(await read(cpu.gather(up(v), { outShape: [2, 3], strides: [5, 1], offset: 7 }))).toEqual([
      7, 8, 9, 12, 13, 14,
    ]);
    // v[0:4:2, 4:0:-2]: negative strides flip
    expect(await read(cpu.gather(up(v), { outShape: [2, 2], strides: [10, -2], offset: 4 }))).toEqual([4, 2, 14, 12]);
    // row 1 expanded to [2, 5]
    expect(await read(cpu.gather(up(v), { outShape: [2, 5], strides: [0, 1], offset: 5 }))).toEqual([
      5, 6, 7, 8, 9, 5, 6, 7, 8, 9,
    ]);
  });

  it('pad fills the border with a constant', async () => {
    const got = await read(
      cpu.pad(up([1, 2, 3, 4, 5, 6]), { inShape: [2, 3], before: [1, 0], after: [0, 2], value: -1 }),
    );
    expect(got).toEqual([-1, -1, -1, -1, -1, 1, 2, 3, -1, -1, 4, 5, 6, -1, -1]);
  });
});

describe('reference backend: matmul', () => {
  const [batch, m, n, k] = [3, 4, 5, 6];

  /** Stores matrix `mat` (rows x cols, row-major) transposed when asked. */
  const store = (mat: Float64Array, rows: number, cols: number, trans: boolean) =>
    trans ? Float64Array.from({ length: rows * cols }, (_, i) => mat[(i % rows) * cols + Math.floor(i / rows)]) : mat;

  for (const transA of [false, true])
    for (const transB of [false, true])
      for (const shareB of [false, true]) {
        it(`transA ${transA}, transB ${transB}${shareB ? ', b shared across the batch' : ''}`, async () => {
          const A = Array.from({ length: batch }, (_, bt) => values(m * k, 10 + bt));
          const B = Array.from({ length: shareB ? 1 : batch }, (_, bt) => values(k * n, 20 + bt));
          const a = Float64Array.from(A.flatMap((mat) => Array.from(store(mat, m, k, transA))));
          const b = Float64Array.from(B.flatMap((mat) => Array.from(store(mat, k, n, transB))));
          const p: MatmulParams = {
            batch,
            m,
            n,
            k,
            transA,
            transB,
            aBatchStride: m * k,
            bBatchStride: shareB ? 0 : k * n,
          };
          const got = await read(cpu.matmul(up(a), up(b), p));
          for (let bt = 0; bt < batch; bt++)
            for (let i = 0; i < m; i++)
              for (let j = 0; j < n; j++) {
                let want = 0;
                for (let t = 0; t < k; t++) want += A[bt][i * k + t] * B[shareB ? 0 : bt][t * n + j];
                expect(got[(bt * m + i) * n + j]).toBeCloseTo(want, 12);
              }
        });
      }
});

/** Conv geometry with the output size PyTorch would give, plus `extra` rows/columns past the last window. */
function convGeometry(g: Omit<Conv2dParams, 'oh' | 'ow'>, extra = [0, 0]): Conv2dParams {
  const out = (size: number, k: number, s: number, pad: number, d: number) =>
    Math.floor((size + 2 * pad - d * (k - 1) - 1) / s) + 1;
  const oh = out(g.h, g.kh, g.strideH, g.padH, g.dilationH);
  const ow = out(g.w, g.kw, g.strideW, g.padW, g.dilationW);
  return { ...g, oh, ow, h: g.h + extra[0], w: g.w + extra[1] };
}

const square = { strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1 };

describe('reference backend: conv2d', () => {
  const image = Array.from({ length: 9 }, (_, i) => i + 1); // 1x1x3x3

  it('2x2 kernel, padding 1, stride 2', async () => {
    const p = convGeometry({
      ...square,
      n: 1,
      cIn: 1,
      h: 3,
      w: 3,
      cOut: 1,
      kh: 2,
      kw: 2,
      strideH: 2,
      strideW: 2,
      padH: 1,
      padW: 1,
    });
    expect([p.oh, p.ow]).toEqual([2, 2]);
    expect(await read(cpu.conv2d(up(image), up([1, 2, 3, 4]), p))).toEqual([4, 18, 36, 77]);
  });

  it('dilation 2 reads the corners', async () => {
    const p = convGeometry({ ...square, n: 1, cIn: 1, h: 3, w: 3, cOut: 1, kh: 2, kw: 2, dilationH: 2, dilationW: 2 });
    expect(await read(cpu.conv2d(up(image), up([1, 1, 1, 1]), p))).toEqual([1 + 3 + 7 + 9]);
  });

  it('two input and output channels', async () => {
    // 1x1 kernels mix channels: y[co] = sum_ci w[co, ci] x[ci]
    const p = convGeometry({ ...square, n: 1, cIn: 2, h: 1, w: 2, cOut: 2, kh: 1, kw: 1 });
    expect(await read(cpu.conv2d(up([1, 2, 10, 20]), up([1, 1, 1, -1]), p))).toEqual([11, 22, -9, -18]);
  });

  it('grad-weight correlates input and output gradient', async () => {
    const p = convGeometry({ ...square, n: 1, cIn: 1, h: 3, w: 3, cOut: 1, kh: 2, kw: 2 });
    expect(await read(cpu.conv2dGradWeight(up(image), up([1, 1, 1, 1]), p))).toEqual([12, 16, 24, 28]);
  });

  it('grad-input as conv_transpose2d: stride 2 with output_padding 1 leaves the last row and column 0', async () => {
    const p = convGeometry(
      { ...square, n: 1, cIn: 1, h: 3, w: 3, cOut: 1, kh: 1, kw: 1, strideH: 2, strideW: 2 },
      [1, 1],
    );
    expect([p.h, p.w, p.oh, p.ow]).toEqual([4, 4, 2, 2]);
    expect(await read(cpu.conv2dGradInput(up([1, 2, 3, 4]), up([5]), p))).toEqual([
      5, 0, 10, 0, 0, 0, 0, 0, 15, 0, 20, 0, 0, 0, 0, 0,
    ]);
  });

  const geometries: [string, Conv2dParams][] = [
    ['3x3, stride 1, no padding', convGeometry({ ...square, n: 2, cIn: 3, h: 7, w: 6, cOut: 4, kh: 3, kw: 3 })],
    [
      '3x3, stride 2, padding 1',
      convGeometry({
        ...square,
        n: 2,
        cIn: 3,
        h: 8,
        w: 7,
        cOut: 2,
        kh: 3,
        kw: 3,
        strideH: 2,
        strideW: 2,
        padH: 1,
        padW: 1,
      }),
    ],
    [
      '3x2, stride 2x1, padding 2x1, dilation 2',
      convGeometry({
        n: 1,
        cIn: 2,
        h: 9,
        w: 6,
        cOut: 3,
        kh: 3,
        kw: 2,
        strideH: 2,
        strideW: 1,
        padH: 2,
        padW: 1,
        dilationH: 2,
        dilationW: 2,
      }),
    ],
    [
      '2x3, stride 1x2, padding 0x2, dilation 1x2',
      convGeometry({
        n: 2,
        cIn: 1,
        h: 5,
        w: 10,
        cOut: 2,
        kh: 2,
        kw: 3,
        strideH: 1,
        strideW: 2,
        padH: 0,
        padW: 2,
        dilationH: 1,
        dilationW: 2,
      }),
    ],
    [
      '4x4, stride 2, padding 1, rows past the last window',
      convGeometry(
        { ...square, n: 1, cIn: 2, h: 8, w: 8, cOut: 3, kh: 4, kw: 4, strideH: 2, strideW: 2, padH: 1, padW: 1 },
        [1, 1],
      ),
    ],
  ];

  for (const [name, p] of geometries) {
    it(`adjoint identities: ${name}`, async () => {
      const x = values(p.n * p.cIn * p.h * p.w, 1);
      const w = values(p.cOut * p.cIn * p.kh * p.kw, 2);
      const g = values(p.n * p.cOut * p.oh * p.ow, 3);
      const y = await read(cpu.conv2d(up(x), up(w), p));
      const gx = await read(cpu.conv2dGradInput(up(g), up(w), p));
      const gw = await read(cpu.conv2dGradWeight(up(x), up(g), p));
      expect(gx.length).toBe(x.length);
      expect(gw.length).toBe(w.length);
      const lhs = dot(y, g);
      expectRelClose(lhs, dot(x, gx), 1e-10);
      expectRelClose(lhs, dot(w, gw), 1e-10);
    });
  }
});

const pool = (g: Partial<Pool2dParams> & Pick<Pool2dParams, 'h' | 'w' | 'kh' | 'kw'>): Pool2dParams => {
  const p = { n: 1, c: 1, strideH: g.kh, strideW: g.kw, padH: 0, padW: 0, countIncludePad: true, ...g };
  const oh = Math.floor((p.h + 2 * p.padH - p.kh) / p.strideH) + 1;
  const ow = Math.floor((p.w + 2 * p.padW - p.kw) / p.strideW) + 1;
  return { ...p, oh, ow };
};

describe('reference backend: pooling', () => {
  it('max pooling records the flat index in the plane; overlapping windows scatter into the same input', async () => {
    const p = pool({ h: 3, w: 3, kh: 2, kw: 2, strideH: 1, strideW: 1 });
    const { values: v, indices } = cpu.maxPool2d(up([1, 5, 2, 3, 4, 6, 0, 9, 8]), p);
    expect(await read(v)).toEqual([5, 6, 9, 9]);
    expect(await read(indices)).toEqual([1, 5, 7, 7]);
    expect(await read(cpu.maxPool2dScatter(up([1, 1, 1, 1]), indices, p))).toEqual([0, 1, 0, 0, 0, 1, 0, 2, 0]);
  });

  it('padding counts as -infinity, so all-negative inputs keep their values', async () => {
    const p = pool({ h: 2, w: 2, kh: 2, kw: 2, strideH: 1, strideW: 1, padH: 1, padW: 1 });
    const { values: v, indices } = cpu.maxPool2d(up([-4, -3, -2, -1]), p);
    expect(await read(v)).toEqual([-4, -3, -3, -2, -1, -1, -2, -1, -1]);
    expect(await read(indices)).toEqual([0, 1, 1, 2, 3, 3, 2, 3, 3]);
  });

  it('ties pick the first position in row-major window order', async () => {
    const p = pool({ h: 2, w: 2, kh: 2, kw: 2 });
    expect(await read(cpu.maxPool2d(up([0, 7, 7, 0]), p).indices)).toEqual([1]);
    expect(await read(cpu.maxPool2d(up([2, 2, 2, 2]), p).indices)).toEqual([0]);
  });

  it('indices are per plane', async () => {
    const p = pool({ n: 2, c: 1, h: 1, w: 2, kh: 1, kw: 2 });
    const x = up([1, 3, 4, 2]);
    const { indices } = cpu.maxPool2d(x, p);
    expect(await read(indices)).toEqual([1, 0]);
    expect(await read(cpu.maxPool2dGather(x, indices, p))).toEqual([3, 4]);
  });

  it('average pooling with and without counting the padding', async () => {
    const x = up([1, 2, 3, 4]);
    const withPad = pool({ h: 2, w: 2, kh: 2, kw: 2, strideH: 1, strideW: 1, padH: 1, padW: 1 });
    expect(await read(cpu.avgPool2d(x, withPad))).toEqual([0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1]);
    expect(await read(cpu.avgPool2d(x, { ...withPad, countIncludePad: false }))).toEqual([
      1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4,
    ]);
  });

  const geometries: [string, Pool2dParams][] = [
    ['2x2 stride 2', pool({ n: 2, c: 3, h: 6, w: 8, kh: 2, kw: 2 })],
    [
      '3x3 stride 2 padding 1 (overlapping)',
      pool({ n: 2, c: 2, h: 7, w: 8, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 }),
    ],
    [
      '3x3 stride 1 padding 1',
      pool({ n: 1, c: 2, h: 5, w: 5, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 }),
    ],
    [
      '3x2 stride 2x1 padding 1x0',
      pool({ n: 1, c: 3, h: 7, w: 6, kh: 3, kw: 2, strideH: 2, strideW: 1, padH: 1, padW: 0 }),
    ],
  ];

  for (const [name, p] of geometries) {
    it(`adjoint identities: ${name}`, async () => {
      const x = values(p.n * p.c * p.h * p.w, 4);
      const g = values(p.n * p.c * p.oh * p.ow, 5);
      const { indices } = cpu.maxPool2d(up(values(x.length, 6)), p);
      const gathered = await read(cpu.maxPool2dGather(up(x), indices, p));
      const scattered = await read(cpu.maxPool2dScatter(up(g), indices, p));
      expectRelClose(dot(gathered, g), dot(x, scattered), 1e-10);
      for (const countIncludePad of [true, false]) {
        const q = { ...p, countIncludePad };
        const y = await read(cpu.avgPool2d(up(x), q));
        const gx = await read(cpu.avgPool2dGrad(up(g), q));
        expectRelClose(dot(y, g), dot(x, gx), 1e-10);
      }
    });
  }
});

describe('reference backend: random', () => {
  it('threefry2x32 (20 rounds) matches the Random123 known-answer vectors', () => {
    expect(threefry2x32(0, 0, 0, 0)).toEqual([0x6b200159, 0x99ba4efe]);
    expect(threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)).toEqual([0x1cb996fc, 0xbb002be7]);
    expect(threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)).toEqual([0xc4923a9c, 0x483df7a0]);
  });

  it('element i uses counter offset + i, split into low and high words, under the key split from the seed', async () => {
    const seed = 7 * 2 ** 32 + 5;
    const offset = 2 ** 32 - 1; // the second element carries into the high word
    const got = await read(cpu.random({ kind: 'uniform', size: 2, seed, offset }));
    expect(got[0]).toBe((threefry2x32(5, 7, 0xffffffff, 0)[0] >>> 8) / 2 ** 24);
    expect(got[1]).toBe((threefry2x32(5, 7, 0, 1)[0] >>> 8) / 2 ** 24);
  });

  it('a draw at an offset is the matching slice of a longer draw', async () => {
    const long = await read(cpu.random({ kind: 'normal', size: 20, seed: 3, offset: 0 }));
    const slice = await read(cpu.random({ kind: 'normal', size: 10, seed: 3, offset: 5 }));
    expect(slice).toEqual(long.slice(5, 15));
  });

  it('100000 normals have mean 0 and variance 1; uniforms lie in [0, 1) with mean 1/2', async () => {
    const n = 100_000;
    const z = await cpu.read(cpu.random({ kind: 'normal', size: n, seed: 1234, offset: 0 }));
    const mean = z.reduce((a, b) => a + b, 0) / n;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    const u = await cpu.read(cpu.random({ kind: 'uniform', size: n, seed: 1234, offset: 0 }));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(u.reduce((a, b) => a + b, 0) / n - 0.5)).toBeLessThan(0.01);
  });
});

describe('reference backend: optimisers', () => {
  it("Adam's bias-corrected first step moves each parameter by about lr against its gradient's sign", async () => {
    const p = {
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      biasCorrection1: 0.1,
      biasCorrection2: 0.001,
    };
    const out = cpu.adam([up([1, 1])], [up([0.5, -2])], [up([0, 0])], [up([0, 0])], p);
    const [param, m, v] = await Promise.all([read(out.params[0]), read(out.ms[0]), read(out.vs[0])]);
    param.forEach((x, i) => expect(x).toBeCloseTo([0.9, 1.1][i], 6));
    expect(m[1]).toBeCloseTo(-0.2, 12);
    expect(v[1]).toBeCloseTo(0.004, 12);
  });

  it('SGD with momentum accumulates; momentum 0 steps along the gradient', async () => {
    const step = { lr: 0.5, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, firstStep: false };
    const out = cpu.sgd(up([1]), up([2]), up([1]), step);
    expect(await read(out.buf)).toEqual([0.9 + 2]);
    expect(await read(out.param)).toEqual([1 - 0.5 * 2.9]);
    const plain = cpu.sgd(up([1]), up([2]), up([1]), { ...step, momentum: 0, dampening: 0.5 });
    expect(await read(plain.param)).toEqual([0]);
  });
});
