// The fused batch-norm op: WebGPU kernels against float64, forward and first-order backward, on awkward shapes; and the
// fused backward against the composite form it replaces.

import { describe, expect, it, beforeAll } from 'vitest';
import { grad } from '../../src/autograd/engine.ts';
import * as ops from '../../src/autograd/index.ts';
import { batchNorm } from '../../src/nn/functional/normalization.ts';
import { batchNormTraining } from '../../src/autograd/ops/batchnorm.ts';
import { withDevice } from '../../src/devices.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { tidy } from '../../src/tensor/memory.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import type { WebGPUBackend } from '../../src/kernels/webgpu-backend.ts';
import { valuesFor } from '../helpers/cases.ts';
import { expectClose, webgpu } from '../helpers/backends.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

// Planes of a multiple of 4 take the vec4 kernels (and, on a CPU adapter, one invocation per channel for the sums, in
// workgroups of 8: 70 and 20 channels leave the last one partial); the others the f32 kernels and a workgroup per channel.
const shapes = [
  [2, 1, 3, 3],
  [1, 5, 7, 9],
  [16, 3, 33, 17],
  [4, 70, 2, 2],
  [8, 20, 4, 4],
  [16, 3, 8, 8],
  [3, 4, 130],
];

/**
 * The forward and the gradients of x and of the weight and bias a layer has, when `affine` names them ('w', 'b'); with
 * a leaky ReLU of slope `activation` fused in (`fused`) or applied as an op of its own.
 */
function run(shape: number[], affine: string, activation: number | null = null, fused = true, createGraph = false) {
  const c = shape[1];
  const x = tensor(
    valuesFor({ shape }, 1).map((v) => 3 * v + 1),
    shape,
    { requiresGrad: true },
  );
  const w = affine.includes('w') ? tensor(valuesFor({ shape: [c] }, 2), [c], { requiresGrad: true }) : null;
  const b = affine.includes('b') ? tensor(valuesFor({ shape: [c] }, 3), [c], { requiresGrad: true }) : null;
  const y =
    activation === null || fused
      ? batchNormTraining(x, w, b, 1e-5, activation).y
      : ops.leakyRelu(batchNormTraining(x, w, b, 1e-5).y, activation);
  const v = tensor(valuesFor({ shape }, 4), shape);
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  return [y, ...grad(ops.sum(ops.mul(y, v)), inputs, { createGraph }).map((g) => g!)];
}

const affineLabel: Record<string, string> = {
  '': '',
  wb: ' with weight and bias',
  w: ' with weight only',
  b: ' with bias only',
};

describe('fused batch norm', () => {
  for (const shape of shapes) {
    for (const affine of shape.length === 4 && shape[2] === 8 ? ['wb', '', 'w', 'b'] : ['wb', '']) {
      it(`[${shape.join(', ')}]${affineLabel[affine]}: WebGPU matches float64, forward and backward`, async () => {
        const expected = withDevice('cpu', () => tidy(() => run(shape, affine)));
        const actual = withDevice(gpu, () => tidy(() => run(shape, affine)));
        const names = [
          'y',
          'dx',
          ...(affine.includes('w') ? ['dweight'] : []),
          ...(affine.includes('b') ? ['dbias'] : []),
        ];
        for (let k = 0; k < expected.length; k++) {
          const e = await expected[k].data();
          const scale = Math.max(1, ...Array.from(e, Math.abs));
          // Float32 reductions over up to 9000 values per channel: 1e-4 of the largest entry.
          expectClose(await actual[k].data(), e, 1e-4, 1e-4 * scale, names[k]);
        }
      });
    }
  }
});

// The recorded backward (createGraph) is the one gradgradcheck differentiates, so a wrong formula there would pass the
// second-order checks unnoticed; pin it to the fused backward, which gradcheck compares with finite differences.
describe('batch norm: the differentiable backward', () => {
  for (const shape of [
    [4, 3, 5, 5],
    [6, 2],
    [2, 5, 3, 130],
  ]) {
    for (const affine of [true, false]) {
      it(`[${shape.join(', ')}]${affine ? ' with weight and bias' : ''}: equals the fused backward in float64`, async () => {
        const [fused, recorded] = [false, true].map((createGraph) =>
          withDevice('cpu', () =>
            tidy(() => {
              const c = shape[1];
              const x = tensor(valuesFor({ shape }, 5), shape, { requiresGrad: true });
              const w = affine ? tensor(valuesFor({ shape: [c] }, 6), [c], { requiresGrad: true }) : null;
              const b = affine ? tensor(valuesFor({ shape: [c] }, 7), [c], { requiresGrad: true }) : null;
              const y = batchNorm(x, null, null, w, b, true);
              const v = tensor(valuesFor({ shape }, 8), shape);
              return grad(ops.sum(ops.mul(y, v)), [x, ...(w ? [w, b!] : [])], { createGraph }).map((g) => g!);
            }),
          ),
        );
        for (let k = 0; k < fused.length; k++) {
          expectClose(await recorded[k].data(), await fused[k].data(), 1e-10, 1e-12, ['dx', 'dweight', 'dbias'][k]);
        }
      });
    }
  }
});

describe('batch norm: the differentiable backward computes only the gradients asked for', () => {
  const shape = [4, 3, 5, 5];
  /** Gradients of a sum through batch norm for `wanted` (indices into x, weight, bias), and the dispatches they took. */
  const gradients = (wanted: number[], createGraph: boolean) =>
    tidy(() => {
      const x = tensor(valuesFor({ shape }, 5), shape, { requiresGrad: true });
      const w = tensor(valuesFor({ shape: [3] }, 6), [3], { requiresGrad: true });
      const b = tensor(valuesFor({ shape: [3] }, 7), [3], { requiresGrad: true });
      const y = batchNorm(x, null, null, w, b, true);
      const loss = ops.sum(ops.mul(y, tensor(valuesFor({ shape }, 8), shape)));
      const before = (gpu as WebGPUBackend).rt.dispatches;
      const gs = grad(
        loss,
        wanted.map((k) => [x, w, b][k]),
        { createGraph },
      );
      return { gs: gs.map((g) => g!), dispatches: (gpu as WebGPUBackend).rt.dispatches - before };
    });

  for (const wanted of [[0], [1], [2], [1, 2]]) {
    it(`[${wanted.map((k) => ['x', 'weight', 'bias'][k]).join(', ')}] equal the fused backward's`, async () => {
      await withDevice(gpu, async () => {
        const recorded = gradients(wanted, true);
        const fused = gradients(wanted, false);
        const all = gradients([0, 1, 2], true);
        for (let k = 0; k < wanted.length; k++)
          expectClose(await recorded.gs[k].data(), await fused.gs[k].data(), 1e-5, 1e-6, `gradient ${wanted[k]}`);
        expect(recorded.dispatches).toBeLessThan(all.dispatches);
      });
    });
  }
});

describe('batch norm: running statistics and the count of batches, in one kernel', () => {
  for (const c of [3, 70, 300]) {
    it(`${c} channels: WebGPU matches float64 and PyTorch's update rule computed here from the values`, async () => {
      const shape = [4, c, 3, 3];
      const x = Array.from(valuesFor({ shape }, 9), (v) => 2 * v - 0.5);
      const [mean0, var0] = [valuesFor({ shape: [c] }, 10), valuesFor({ shape: [c] }, 11).map((v) => 1 + Math.abs(v))];
      const update = () => {
        const [rm, rv, count] = [tensor(mean0, [c]), tensor(var0, [c]), tensor([41], [])];
        batchNorm(tensor(x, shape), rm, rv, null, null, true, 0.3, 1e-5, count).dispose();
        return [rm, rv, count];
      };
      const expected = await Promise.all(withDevice('cpu', update).map((t) => t.data()));
      const actual = await Promise.all(withDevice(gpu, update).map((t) => t.data()));
      // Independent of both backends: (1 - momentum) running + momentum batch mean / unbiased batch variance.
      const count = 4 * 9;
      for (const ch of [0, c - 1]) {
        const values = [0, 1, 2, 3].flatMap((img) => x.slice((img * c + ch) * 9, (img * c + ch + 1) * 9));
        const mu = values.reduce((a, v) => a + v, 0) / count;
        const unbiased = values.reduce((a, v) => a + (v - mu) ** 2, 0) / (count - 1);
        expect(expected[0][ch]).toBeCloseTo(0.7 * mean0[ch] + 0.3 * mu, 12);
        expect(expected[1][ch]).toBeCloseTo(0.7 * var0[ch] + 0.3 * unbiased, 12);
      }
      expectClose(actual[0], expected[0], 1e-5, 1e-6, 'running_mean');
      expectClose(actual[1], expected[1], 1e-5, 1e-6, 'running_var');
      expect([expected[2][0], actual[2][0]]).toEqual([42, 42]);
    });
  }
});

describe('batch norm with a leaky ReLU in its kernels', () => {
  const names = (affine: string) => [
    'y',
    'dx',
    ...(affine.includes('w') ? ['dweight'] : []),
    ...(affine.includes('b') ? ['dbias'] : []),
  ];
  for (const [shape, affine, slope] of [
    [[16, 3, 8, 8], 'wb', 0.2],
    [[8, 20, 4, 4], 'wb', 0],
    [[1, 5, 7, 9], 'wb', 0.2],
    [[16, 3, 33, 17], '', 0.01],
    [[4, 70, 2, 2], 'w', 0.2],
  ] as [number[], string, number][]) {
    it(`[${shape.join(', ')}]${affineLabel[affine]}, slope ${slope}: WebGPU matches float64, forward and backward`, async () => {
      const expected = withDevice('cpu', () => tidy(() => run(shape, affine, slope)));
      const actual = withDevice(gpu, () => tidy(() => run(shape, affine, slope)));
      for (let k = 0; k < expected.length; k++) {
        const e = await expected[k].data();
        const scale = Math.max(1, ...Array.from(e, Math.abs));
        expectClose(await actual[k].data(), e, 1e-4, 1e-4 * scale, names(affine)[k]);
      }
    });
    it(`[${shape.join(', ')}]${affineLabel[affine]}, slope ${slope}: equals batch norm then the activation op, in float64, also recorded`, async () => {
      const [separate, fused, recorded] = await withDevice('cpu', () =>
        Promise.all(
          [
            run(shape, affine, slope, false),
            run(shape, affine, slope, true),
            run(shape, affine, slope, true, true),
          ].map((ts) => Promise.all(ts.map((t) => t.data()))),
        ),
      );
      for (let k = 0; k < separate.length; k++) {
        expectClose(fused[k], separate[k], 1e-12, 1e-12, `fused ${names(affine)[k]}`);
        expectClose(recorded[k], separate[k], 1e-10, 1e-12, `recorded ${names(affine)[k]}`);
      }
    });
  }

  it('refuses a negative slope (the mask read from the output would be wrong) in one line', () => {
    const x = tensor(valuesFor({ shape: [2, 3, 4, 4] }, 1), [2, 3, 4, 4]);
    expect(() => batchNormTraining(x, null, null, 1e-5, -0.1)).toThrow(
      /^batch_norm: the fused leaky ReLU needs a slope of at least 0, got -0.1$/,
    );
  });
});
