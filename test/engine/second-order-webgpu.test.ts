// Second derivatives on WebGPU against the float64 backend (which gradgradcheck verifies by finite differences): for each
// op CAVGA differentiates twice, and for the Grad-CAM composite, u^T H v computed by double reverse mode must agree.

import { describe, it, beforeAll } from 'vitest';
import { grad } from '../../src/autograd/engine.ts';
import * as ops from '../../src/autograd/index.ts';
import * as F from '../../src/nn/functional/index.ts';
import { withDevice } from '../../src/devices.ts';
import { tensor, zerosLike } from '../../src/tensor/creation.ts';
import { tidy } from '../../src/tensor/memory.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { valuesFor } from '../helpers/cases.ts';
import { gradCamLoss, gradCamShapes } from '../helpers/gradcam.ts';
import { expectClose, webgpu } from '../helpers/backends.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

type Case = { name: string; shapes: number[][]; run: (...xs: Tensor[]) => Tensor };

const cases: Case[] = [
  {
    name: 'conv2d',
    shapes: [
      [2, 3, 9, 7],
      [4, 3, 4, 4],
    ],
    run: (x, w) => ops.leakyRelu(ops.conv2d(x, w, null, 2, 1), 0.2),
  },
  {
    name: 'conv_transpose2d',
    shapes: [
      [2, 4, 5, 5],
      [4, 3, 4, 4],
    ],
    run: (x, w) => ops.tanh(ops.convTranspose2d(x, w, null, 2, 1)),
  },
  {
    name: 'batch_norm',
    shapes: [[4, 3, 5, 5], [3], [3]],
    run: (x, w, b) => ops.square(F.batchNorm(x, null, null, w, b, true)),
  },
  { name: 'leaky_relu', shapes: [[300]], run: (x) => ops.mul(ops.leakyRelu(x, 0.2), x) },
  { name: 'relu', shapes: [[300]], run: (x) => ops.mul(ops.relu(x), x) },
  {
    name: 'matmul',
    shapes: [
      [3, 17, 9],
      [9, 5],
    ],
    run: (a, b) => ops.square(ops.matmul(a, b)),
  },
  { name: 'linear', shapes: [[6, 9], [4, 9], [4]], run: (x, w, b) => ops.sigmoid(ops.linear(x, w, b)) },
  {
    name: 'mean and sum',
    shapes: [[4, 5, 6]],
    run: (x) => ops.mul(ops.mean(ops.square(x), [0, 2], true), ops.sum(x, 1, true)),
  },
  { name: 'mul', shapes: [[5, 7], [7]], run: (a, b) => ops.mul(ops.mul(a, b), a) },
];

/** u^T H v for the scalar <w, f(xs)>, with u, v and w fixed directions; returns one tensor per input. */
function hessianVector(run: (...xs: Tensor[]) => Tensor, shapes: number[][]): Tensor[] {
  const xs = shapes.map((s, k) => tensor(valuesFor({ shape: s }, k + 1), s, { requiresGrad: true }));
  const y = run(...xs);
  const scalar = ops.sum(ops.mul(y, tensor(valuesFor({ shape: y.shape }, 50), y.shape)));
  const first = grad(scalar, xs, { createGraph: true });
  const projected = first
    .map((g, k) => ops.sum(ops.mul(g!, tensor(valuesFor({ shape: shapes[k] }, 60 + k), shapes[k]))))
    .reduce((a, b) => ops.add(a, b));
  return grad(projected, xs, { allowUnused: true }).map((g, k) => g ?? zerosLike(xs[k]));
}

async function compare(name: string, compute: () => Tensor[]): Promise<void> {
  const expected = withDevice('cpu', () => tidy(compute));
  const actual = withDevice(gpu, () => tidy(compute));
  for (let k = 0; k < expected.length; k++) {
    const e = await expected[k].data();
    const scale = Math.max(1e-3, ...Array.from(e, Math.abs));
    // Float32 through two reverse passes: 1e-3 relative to the largest entry.
    expectClose(await actual[k].data(), e, 1e-3, 1e-3 * scale, `${name}: input ${k}`);
  }
}

describe('second derivatives on WebGPU match float64', () => {
  for (const c of cases) it(c.name, () => compare(c.name, () => hessianVector(c.run, c.shapes)));

  it('Grad-CAM composite: the gradient of the attention loss (through alpha)', () =>
    compare('grad-cam', () => {
      const xs = Object.values(gradCamShapes).map((s, k) =>
        tensor(valuesFor({ shape: s }, k + 11), s, { requiresGrad: true }),
      );
      return grad(gradCamLoss(xs[0], xs[1], xs[2], xs[3]), xs).map((g) => g!);
    }));
});
