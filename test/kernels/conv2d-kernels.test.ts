// The three convolution kernels (forward, input gradient = transposed conv, weight gradient) against the float64 reference
// on random inputs, over geometries that hit every bounds check, tail and stride phase of the WebGPU kernels.

import { describe, expect, it } from 'vitest';
import type { Conv2dParams } from '../../src/tensor/backend.ts';
import { compareBackends, randomValues, webgpu } from '../helpers/backends.ts';

interface Geometry {
  n: number;
  cIn: number;
  cOut: number;
  k: [number, number];
  stride?: [number, number];
  pad?: [number, number];
  dilation?: [number, number];
}

/** A forward geometry: the output size follows from the input size. */
function conv(g: Geometry & { h: number; w: number }): Conv2dParams {
  const [kh, kw] = g.k;
  const [strideH, strideW] = g.stride ?? [1, 1];
  const [padH, padW] = g.pad ?? [0, 0];
  const [dilationH, dilationW] = g.dilation ?? [1, 1];
  const oh = Math.floor((g.h + 2 * padH - dilationH * (kh - 1) - 1) / strideH) + 1;
  const ow = Math.floor((g.w + 2 * padW - dilationW * (kw - 1) - 1) / strideW) + 1;
  return {
    n: g.n,
    cIn: g.cIn,
    h: g.h,
    w: g.w,
    cOut: g.cOut,
    kh,
    kw,
    oh,
    ow,
    strideH,
    strideW,
    padH,
    padW,
    dilationH,
    dilationW,
  };
}

/** A conv_transpose2d geometry: the input size follows from the output size as PyTorch computes it, with output_padding. */
function convTranspose(g: Geometry & { oh: number; ow: number; outputPadding: number }): Conv2dParams {
  const [kh, kw] = g.k;
  const [strideH, strideW] = g.stride ?? [1, 1];
  const [padH, padW] = g.pad ?? [0, 0];
  const [dilationH, dilationW] = g.dilation ?? [1, 1];
  const h = (g.oh - 1) * strideH - 2 * padH + dilationH * (kh - 1) + 1 + g.outputPadding;
  const w = (g.ow - 1) * strideW - 2 * padW + dilationW * (kw - 1) + 1 + g.outputPadding;
  const p = conv({ ...g, h, w });
  if (p.oh !== g.oh || p.ow !== g.ow) throw new Error('output_padding must stay below the stride');
  return p;
}

const geometries: [string, Conv2dParams][] = [
  ['1x1', conv({ n: 2, cIn: 5, h: 6, w: 7, cOut: 7, k: [1, 1] })],
  ['3x3 pad 1', conv({ n: 2, cIn: 4, h: 8, w: 8, cOut: 6, k: [3, 3], pad: [1, 1] })],
  [
    '4x4 stride 2 pad 1 (CAVGA encoder)',
    conv({ n: 2, cIn: 3, h: 16, w: 16, cOut: 8, k: [4, 4], stride: [2, 2], pad: [1, 1] }),
  ],
  ['3x3 dilation 2 pad 2', conv({ n: 1, cIn: 3, h: 9, w: 10, cOut: 4, k: [3, 3], pad: [2, 2], dilation: [2, 2] })],
  ['odd sizes: n 3, 3 -> 5 channels, 7x9', conv({ n: 3, cIn: 3, h: 7, w: 9, cOut: 5, k: [3, 3], pad: [1, 1] })],
  [
    'non-square kernel, stride, pad and dilation',
    conv({ n: 2, cIn: 3, h: 9, w: 13, cOut: 6, k: [2, 5], stride: [1, 2], pad: [0, 2], dilation: [1, 2] }),
  ],
  [
    'stride 3 with dilation 2 (taps in every other phase)',
    conv({ n: 1, cIn: 3, h: 10, w: 11, cOut: 2, k: [3, 3], stride: [3, 3], pad: [2, 2], dilation: [2, 2] }),
  ],
  ['stride 2 1x1 (phases without taps)', conv({ n: 2, cIn: 4, h: 9, w: 8, cOut: 3, k: [1, 1], stride: [2, 2] })],
  [
    'stride 2 1x1 pad 1 (the only tapped phase is 1; zeros written in its blocks)',
    conv({ n: 2, cIn: 3, h: 9, w: 10, cOut: 5, k: [1, 1], stride: [2, 2], pad: [1, 1] }),
  ],
  [
    'stride 3 1x1 on sizes not a multiple of 3 (blocks past the edge)',
    conv({ n: 1, cIn: 4, h: 10, w: 11, cOut: 6, k: [1, 1], stride: [3, 3] }),
  ],
  [
    '2x2 stride 3 (two tapped phases and an empty one per axis)',
    conv({ n: 2, cIn: 3, h: 11, w: 9, cOut: 4, k: [2, 2], stride: [3, 3] }),
  ],
  [
    '1x3 stride 2 (one tapped phase along y, two along x)',
    conv({ n: 2, cIn: 3, h: 9, w: 9, cOut: 4, k: [1, 3], stride: [2, 2], pad: [0, 1] }),
  ],
  [
    'conv_transpose 1x1 stride 2 output_padding 1',
    convTranspose({ n: 2, cIn: 5, oh: 4, ow: 5, cOut: 3, k: [1, 1], stride: [2, 2], pad: [0, 0], outputPadding: 1 }),
  ],
  [
    'input shorter than the stride',
    conv({ n: 2, cIn: 2, h: 1, w: 5, cOut: 3, k: [1, 3], stride: [2, 2], pad: [0, 1] }),
  ],
  // The GEMM's workgroup size follows its rows (conv2d-gemm.ts): the small geometries above take 8 or 16 invocations,
  // these 32 (256 rows) and 64 (1024 rows).
  ['256 GEMM rows: n 4, 8x8', conv({ n: 4, cIn: 3, h: 8, w: 8, cOut: 5, k: [3, 3], pad: [1, 1] })],
  ['1024 GEMM rows: n 4, 16x16', conv({ n: 4, cIn: 2, h: 16, w: 16, cOut: 3, k: [3, 3], pad: [1, 1] })],
  // With 8 or more output channels, 1x1 and 3- or 4-wide taps run kernels whose taps are constants (conv2d-gemm.ts).
  ['1x1, 12 -> 10 channels', conv({ n: 2, cIn: 12, h: 5, w: 7, cOut: 10, k: [1, 1] })],
  [
    '3x3 dilation 2 pad 2, 9 -> 8 channels',
    conv({ n: 2, cIn: 9, h: 9, w: 10, cOut: 8, k: [3, 3], pad: [2, 2], dilation: [2, 2] }),
  ],
  ['channels past one block: 20 -> 37, 11x13', conv({ n: 2, cIn: 20, h: 11, w: 13, cOut: 37, k: [3, 3], pad: [1, 1] })],
  [
    'conv_transpose 4x4 stride 2 pad 1 output_padding 1',
    convTranspose({ n: 2, cIn: 6, oh: 8, ow: 7, cOut: 5, k: [4, 4], stride: [2, 2], pad: [1, 1], outputPadding: 1 }),
  ],
  [
    'conv_transpose 3x3 stride 2 pad 1 output_padding 1',
    convTranspose({ n: 3, cIn: 4, oh: 5, ow: 6, cOut: 9, k: [3, 3], stride: [2, 2], pad: [1, 1], outputPadding: 1 }),
  ],
  // On lavapipe the weight gradient shares its gy loads through subgroup broadcasts when its column lanes fill whole
  // subgroups (more than 32 columns): blocks of 4, 8 and 16 channels, channels past the last block, several row lanes.
  [
    'subgroup loads, 6 -> 3 channels, 4x4 stride 2',
    conv({ n: 2, cIn: 6, h: 10, w: 9, cOut: 3, k: [4, 4], stride: [2, 2], pad: [1, 1] }),
  ],
  [
    'subgroup loads, 5 -> 7 channels, 3x3 on 13x11',
    conv({ n: 3, cIn: 5, h: 13, w: 11, cOut: 7, k: [3, 3], pad: [1, 1] }),
  ],
  [
    'subgroup loads, 9 -> 21 channels, 4x4 stride 2 on 17x19',
    conv({ n: 2, cIn: 9, h: 17, w: 19, cOut: 21, k: [4, 4], stride: [2, 2], pad: [1, 1] }),
  ],
  // A 3x3 kernel's weight gradient gives each invocation 9 columns (conv2d-grad-weight.ts): CAVGA's latent 3x3 on 4x4
  // maps (576 columns, whole workgroups, no partial sums), and 40 channels, whose 360 columns leave lanes idle.
  ['3x3 on 4x4 maps, 64 -> 64 channels', conv({ n: 16, cIn: 64, h: 4, w: 4, cOut: 64, k: [3, 3], pad: [1, 1] })],
  ['3x3, 40 -> 19 channels, 6x5', conv({ n: 3, cIn: 40, h: 6, w: 5, cOut: 19, k: [3, 3], pad: [1, 1] })],
  [
    'batch 16, 64 -> 128 channels, 32x32, 3x3 pad 1',
    conv({ n: 16, cIn: 64, h: 32, w: 32, cOut: 128, k: [3, 3], pad: [1, 1] }),
  ],
];

const sizes = (p: Conv2dParams) => ({
  x: p.n * p.cIn * p.h * p.w,
  w: p.cOut * p.cIn * p.kh * p.kw,
  y: p.n * p.cOut * p.oh * p.ow,
});

// Tolerance: 1e-4 relative plus 1e-6 * sqrt(K) absolute, K the length of each output's sum. Inputs lie in [-1, 1), so a
// sum of K products is about sqrt(K) / 3 in size and float32 accumulation drifts by roughly eps * sqrt(K) * that; the
// absolute part covers outputs that cancel to near zero, the relative part the rest.
const RTOL = 1e-4;
const atol = (terms: number) => 1e-6 * Math.sqrt(Math.max(terms, 1));

describe('conv2d kernels: WebGPU matches the float64 reference', () => {
  it('lavapipe runs the weight gradient with subgroup broadcasts (a fixed subgroup size on a CPU adapter)', async () => {
    const { info } = (await webgpu()).rt;
    if (!info.description.includes('llvmpipe')) return;
    expect(info.isFallbackAdapter).toBe(true);
    expect(info.subgroupSize).toBeGreaterThan(0);
  });
  // Every other geometry adds a bias in the GEMM's stores (the forward's [cOut], the transposed convolution's [cIn]).
  geometries.forEach(([name, p], index) => {
    const size = sizes(p);
    const biased = index % 2 === 1;
    const withBias = biased ? ' with bias' : '';
    it(`forward: ${name}${withBias}`, async () => {
      await compareBackends(
        `conv2d ${name}${withBias}`,
        [randomValues(size.x, 1), randomValues(size.w, 2), randomValues(p.cOut, 4)],
        (b, [x, w, bias]) => b.conv2d(x, w, p, biased ? bias : null),
        RTOL,
        atol(p.cIn * p.kh * p.kw),
      );
    });
    it(`input gradient: ${name}${withBias}`, async () => {
      await compareBackends(
        `conv2dGradInput ${name}${withBias}`,
        [randomValues(size.y, 3), randomValues(size.w, 2), randomValues(p.cIn, 5)],
        (b, [gy, w, bias]) => b.conv2dGradInput(gy, w, p, biased ? bias : null),
        RTOL,
        atol(p.cOut * p.kh * p.kw),
      );
    });
    it(`weight gradient: ${name}`, async () => {
      await compareBackends(
        `conv2dGradWeight ${name}`,
        [randomValues(size.x, 1), randomValues(size.y, 3)],
        (b, [x, gy]) => b.conv2dGradWeight(x, gy, p),
        RTOL,
        atol(p.n * p.oh * p.ow),
      );
    });
  });
});
