// Op cases shared by the forward comparison and gradient tests: each builds its output from input tensors.

import type { Tensor } from '../../src/tensor/tensor.ts';
import { Lcg } from '../../src/tensor/lcg.ts';
import * as ops from '../../src/autograd/index.ts';
import * as F from '../../src/nn/functional/index.ts';
import { klDivergence } from '../../src/cavga/losses.ts';

export interface InputSpec {
  shape: number[];
  /** Keeps values away from 0 (log, sqrt, div) or from kinks (abs, relu) so finite differences are meaningful. */
  domain?: 'any' | 'positive' | 'awayFromZero';
  /** Not differentiated (targets, running statistics). */
  constant?: boolean;
}

export interface OpCase {
  name: string;
  inputs: InputSpec[];
  run: (...xs: Tensor[]) => Tensor;
  /** Forward tolerance on WebGPU vs float64: relative and absolute. */
  rtol?: number;
  atol?: number;
}

const s = (...shape: number[]): InputSpec => ({ shape });
const pos = (...shape: number[]): InputSpec => ({ shape, domain: 'positive' });
const away = (...shape: number[]): InputSpec => ({ shape, domain: 'awayFromZero' });
const constant = (spec: InputSpec): InputSpec => ({ ...spec, constant: true });

export const unaryCases: OpCase[] = [
  { name: 'neg', inputs: [s(3, 70)], run: ops.neg },
  { name: 'exp, 777 elements (not a multiple of the workgroup)', inputs: [s(3, 7, 37)], run: ops.exp },
  { name: 'abs', inputs: [away(3, 70)], run: ops.abs },
  { name: 'exp', inputs: [s(3, 70)], run: ops.exp },
  { name: 'log', inputs: [pos(3, 70)], run: ops.log },
  { name: 'sqrt', inputs: [pos(3, 70)], run: ops.sqrt },
  { name: 'rsqrt', inputs: [pos(3, 70)], run: ops.rsqrt },
  { name: 'square', inputs: [s(3, 70)], run: ops.square },
  { name: 'reciprocal', inputs: [away(3, 70)], run: ops.reciprocal },
  { name: 'relu', inputs: [away(3, 70)], run: ops.relu },
  { name: 'leakyRelu', inputs: [away(3, 70)], run: (x) => ops.leakyRelu(x, 0.2) },
  { name: 'sigmoid', inputs: [s(3, 70)], run: ops.sigmoid },
  { name: 'tanh', inputs: [s(3, 70)], run: ops.tanh },
  { name: 'powScalar', inputs: [pos(3, 70)], run: (x) => ops.pow(x, 2.5) },
  { name: 'clamp', inputs: [away(3, 70)], run: (x) => ops.clamp(x, -0.5, 0.5) },
];

export const binaryCases: OpCase[] = [
  { name: 'add broadcast', inputs: [s(2, 3, 5), s(3, 1)], run: ops.add },
  { name: 'mul broadcast, 1011 elements', inputs: [s(3, 337), s(3, 1)], run: ops.mul },
  { name: 'sub broadcast', inputs: [s(4, 1, 6), s(5, 1)], run: ops.sub },
  { name: 'mul broadcast', inputs: [s(2, 3, 5), s(5)], run: ops.mul },
  { name: 'div', inputs: [s(3, 7), away(3, 7)], run: ops.div },
  { name: 'pow', inputs: [pos(3, 7), s(3, 7)], run: ops.pow },
  { name: 'maximum', inputs: [s(3, 7), s(7)], run: ops.maximum },
  { name: 'minimum', inputs: [s(3, 7), s(3, 1)], run: ops.minimum },
  { name: 'where', inputs: [s(3, 7), s(7)], run: (a, b) => ops.where(ops.gt(a, 0), a, b) },
  { name: 'scalar ops', inputs: [s(2, 9)], run: (a) => ops.div(ops.sub(ops.mul(ops.add(a, 2), 3), 1), 4) },
];

export const comparisonCases: OpCase[] = (['gt', 'ge', 'lt', 'le', 'eq', 'ne'] as const).map((op) => ({
  name: op,
  inputs: [s(4, 33), s(33)],
  run: (a: Tensor, b: Tensor) => ops[op](ops.mul(ops.sign(a), 1), ops.mul(ops.sign(b), 1)),
}));

export const reductionCases: OpCase[] = [
  { name: 'sum all', inputs: [s(3, 4, 5)], run: (x) => ops.sum(x) },
  { name: 'sum (0,2,3)', inputs: [s(3, 4, 5, 6)], run: (x) => ops.sum(x, [0, 2, 3]) },
  { name: 'sum keepdim', inputs: [s(3, 4, 5)], run: (x) => ops.sum(x, 1, true) },
  { name: 'mean', inputs: [s(3, 4, 5)], run: (x) => ops.mean(x, [0, 2]) },
  { name: 'max', inputs: [s(3, 4, 5)], run: (x) => ops.max(x, 2) },
  { name: 'min keepdim', inputs: [s(3, 4, 5)], run: (x) => ops.min(x, [0, 1], true) },
  { name: 'var', inputs: [s(3, 4, 5)], run: (x) => ops.variance(x, [0, 2]) },
];

export const layoutCases: OpCase[] = [
  { name: 'reshape', inputs: [s(3, 4, 5)], run: (x) => ops.mul(ops.reshape(x, [5, -1]), 2) },
  { name: 'permute', inputs: [s(2, 3, 4, 5)], run: (x) => ops.permute(x, [0, 2, 3, 1]) },
  { name: 'transpose', inputs: [s(7, 9)], run: (x) => ops.transpose(x, 0, 1) },
  { name: 'expand', inputs: [s(3, 1)], run: (x) => ops.expand(x, [2, 3, 4]) },
  { name: 'slice', inputs: [s(5, 8)], run: (x) => ops.slice(x, 1, 2, -1) },
  { name: 'pad', inputs: [s(2, 3, 4)], run: (x) => ops.pad(x, [1, 2, 0, 1], 0.5) },
  { name: 'cat', inputs: [s(2, 3), s(2, 4)], run: (a, b) => ops.cat([a, b], 1) },
  { name: 'stack', inputs: [s(2, 3), s(2, 3)], run: (a, b) => ops.stack([a, b], 0) },
];

export const matmulCases: OpCase[] = [
  { name: 'matmul 2d', inputs: [s(7, 13), s(13, 5)], run: ops.matmul },
  { name: 'matmul batched broadcast', inputs: [s(2, 3, 4, 6), s(3, 6, 5)], run: ops.matmul },
  { name: 'matmul vector', inputs: [s(4, 6), s(6)], run: ops.matmul },
  { name: 'linear', inputs: [s(5, 7), s(3, 7), s(3)], run: (x, w, b) => ops.linear(x, w, b) },
];

export const convCases: OpCase[] = [
  {
    name: 'conv2d 3x3 pad 1',
    inputs: [s(2, 3, 7, 6), s(4, 3, 3, 3), s(4)],
    run: (x, w, b) => ops.conv2d(x, w, b, 1, 1),
  },
  { name: 'conv2d 4x4 stride 2', inputs: [s(2, 3, 8, 8), s(5, 3, 4, 4)], run: (x, w) => ops.conv2d(x, w, null, 2, 1) },
  { name: 'conv2d dilation 2', inputs: [s(1, 2, 9, 7), s(3, 2, 3, 3)], run: (x, w) => ops.conv2d(x, w, null, 1, 2, 2) },
  {
    name: 'conv_transpose2d stride 2',
    inputs: [s(2, 4, 4, 4), s(4, 3, 4, 4), s(3)],
    run: (x, w, b) => ops.convTranspose2d(x, w, b, 2, 1),
  },
  {
    name: 'conv_transpose2d output_padding',
    inputs: [s(1, 3, 3, 5), s(3, 2, 3, 3)],
    run: (x, w) => ops.convTranspose2d(x, w, null, 2, 1, 1),
  },
];

export const poolCases: OpCase[] = [
  { name: 'max_pool2d 2x2', inputs: [s(2, 3, 6, 8)], run: (x) => ops.maxPool2d(x, 2) },
  { name: 'max_pool2d 3x3 s2 p1', inputs: [s(1, 2, 7, 7)], run: (x) => ops.maxPool2d(x, 3, 2, 1) },
  { name: 'avg_pool2d 3x3 s2 p1', inputs: [s(1, 2, 7, 8)], run: (x) => ops.avgPool2d(x, 3, 2, 1) },
  { name: 'avg_pool2d no pad count', inputs: [s(1, 2, 7, 8)], run: (x) => ops.avgPool2d(x, 3, 2, 1, false) },
  { name: 'global_avg_pool2d', inputs: [s(2, 3, 5, 4)], run: (x) => ops.globalAvgPool2d(x) },
];

export const functionalCases: OpCase[] = [
  {
    name: 'batch_norm training',
    inputs: [s(4, 3, 5, 5), s(3), s(3)],
    run: (x, w, b) => F.batchNorm(x, null, null, w, b, true),
  },
  {
    name: 'batch_norm eval',
    inputs: [s(2, 3, 4, 4), constant(s(3)), constant(pos(3)), s(3), s(3)],
    run: (x, rm, rv, w, b) => F.batchNorm(x, rm, rv, w, b, false),
  },
  { name: 'log_softmax', inputs: [s(4, 10)], run: (x) => F.logSoftmax(x, 1) },
  {
    name: 'bce_with_logits',
    inputs: [s(6, 2), constant(pos(6, 2))],
    run: (x, t) => F.binaryCrossEntropyWithLogits(x, ops.mul(t, 0.5)),
  },
  {
    name: 'bce_with_logits, target differentiated too',
    inputs: [s(6, 2), pos(6, 2)],
    run: (x, t) => F.binaryCrossEntropyWithLogits(x, ops.mul(t, 0.5)),
  },
  { name: 'mse_loss', inputs: [s(3, 5), constant(s(3, 5))], run: (x, t) => F.mseLoss(x, t) },
  { name: 'mse_loss, target differentiated too', inputs: [s(3, 5), s(3, 5)], run: (x, t) => F.mseLoss(x, t) },
  { name: 'CAVGA KL divergence', inputs: [s(2, 3, 2), s(2, 3, 2)], run: (mu, logvar) => klDivergence(mu, logvar) },
  { name: 'l1_loss', inputs: [s(3, 5), constant(s(3, 5))], run: (x, t) => F.l1Loss(x, t), atol: 1e-5 },
  {
    name: 'upsample nearest x2',
    inputs: [s(1, 2, 3, 4)],
    run: (x) => F.interpolate(x, { scaleFactor: 2, mode: 'nearest' }),
  },
  {
    name: 'upsample nearest to size',
    inputs: [s(1, 2, 3, 4)],
    run: (x) => F.interpolate(x, { size: [5, 7], mode: 'nearest' }),
  },
  {
    name: 'upsample bilinear',
    inputs: [s(2, 2, 3, 4)],
    run: (x) => F.interpolate(x, { size: [7, 9], mode: 'bilinear' }),
  },
  {
    name: 'upsample bilinear align_corners',
    inputs: [s(1, 2, 4, 3)],
    run: (x) => F.interpolate(x, { scaleFactor: 2, mode: 'bilinear', alignCorners: true }),
  },
];

export const allCases: OpCase[] = [
  ...unaryCases,
  ...binaryCases,
  ...comparisonCases,
  ...reductionCases,
  ...layoutCases,
  ...matmulCases,
  ...convCases,
  ...poolCases,
  ...functionalCases,
];

/** Input values for a spec, deterministic per seed, representable in float32. */
export function valuesFor(spec: InputSpec, seed: number): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const lcg = new Lcg((seed * 2654435761) >>> 0);
  for (let i = 0; i < n; i++) {
    const u = lcg.next();
    const v = u * 2 - 1;
    out[i] =
      spec.domain === 'positive'
        ? 0.5 + u
        : spec.domain === 'awayFromZero'
          ? Math.sign(v || 1) * (0.2 + Math.abs(v))
          : v;
  }
  return out;
}
