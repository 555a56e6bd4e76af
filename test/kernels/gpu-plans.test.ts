// The kernels' plans for GPU adapters, run on the CPU adapter at hand: the adapter description is switched to a
// non-fallback one with 8 storage buffers per stage (WebGPU's minimum), so the convolution GEMMs take workgroups of
// 64 or 32 and plain weight loads, batch norm a workgroup per channel, the reductions 128 workgroups and Adam one
// parameter per dispatch (two in place). Each is compared with the float64 reference, outputs poisoned first.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grad } from '../../src/autograd/engine.ts';
import * as ops from '../../src/autograd/index.ts';
import { batchNormTraining } from '../../src/autograd/ops/batchnorm.ts';
import { withDevice } from '../../src/devices.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { tidy } from '../../src/tensor/memory.ts';
import type { Conv2dParams, Storage } from '../../src/tensor/backend.ts';
import type { WebGPUBackend } from '../../src/kernels/webgpu-backend.ts';
import { adamHyper, adamInputs } from '../helpers/adam-inputs.ts';
import { compareBackends, expectClose, randomValues, reference, webgpu } from '../helpers/backends.ts';

let gpu: WebGPUBackend;
let saved: { isFallbackAdapter: boolean; subgroupSize: number; storageBuffers: number };
beforeAll(async () => {
  gpu = await webgpu();
  const info = gpu.rt.info;
  saved = {
    isFallbackAdapter: info.isFallbackAdapter,
    subgroupSize: info.subgroupSize,
    storageBuffers: info.limits.maxStorageBuffersPerShaderStage,
  };
  Object.assign(info, { isFallbackAdapter: false, subgroupSize: 0 });
  info.limits.maxStorageBuffersPerShaderStage = 8;
});
afterAll(() => {
  const info = gpu.rt.info;
  Object.assign(info, { isFallbackAdapter: saved.isFallbackAdapter, subgroupSize: saved.subgroupSize });
  info.limits.maxStorageBuffersPerShaderStage = saved.storageBuffers;
});

/** 16 images, 4x4 stride 2 pad 1, as CAVGA's encoder: 4 phases of 2x2 taps in the input gradient. */
const p: Conv2dParams = {
  n: 16,
  cIn: 6,
  h: 16,
  w: 16,
  cOut: 20,
  kh: 4,
  kw: 4,
  oh: 8,
  ow: 8,
  strideH: 2,
  strideW: 2,
  padH: 1,
  padW: 1,
  dilationH: 1,
  dilationW: 1,
};

describe('GPU adapter plans, on the CPU adapter', () => {
  it('conv2d forward with bias, input gradient (phases in one dispatch) and weight gradient match float64', async () => {
    const x = randomValues(p.n * p.cIn * p.h * p.w, 1);
    const w = randomValues(p.cOut * p.cIn * p.kh * p.kw, 2);
    const gy = randomValues(p.n * p.cOut * p.oh * p.ow, 3);
    await compareBackends(
      'conv2d',
      [x, w, randomValues(p.cOut, 4)],
      (b, [xs, ws, bias]) => b.conv2d(xs, ws, p, bias),
      1e-4,
      1e-5,
    );
    await compareBackends(
      'conv2dGradInput',
      [gy, w, randomValues(p.cIn, 5)],
      (b, [g, ws, bias]) => b.conv2dGradInput(g, ws, p, bias),
      1e-4,
      1e-5,
    );
    await compareBackends('conv2dGradWeight', [x, gy], (b, [xs, g]) => b.conv2dGradWeight(xs, g, p), 1e-4, 1e-4);
  });

  it("a 3x3 kernel's weight gradient (9 columns an invocation, plain gy loads) matches float64", async () => {
    const q: Conv2dParams = { ...p, cIn: 12, h: 6, w: 5, kh: 3, kw: 3, oh: 6, ow: 5, strideH: 1, strideW: 1 };
    const x = randomValues(q.n * q.cIn * q.h * q.w, 6);
    const gy = randomValues(q.n * q.cOut * q.oh * q.ow, 7);
    await compareBackends('conv2dGradWeight 3x3', [x, gy], (b, [xs, g]) => b.conv2dGradWeight(xs, g, q), 1e-4, 1e-4);
  });

  it('batch norm with a fused leaky ReLU, forward and backward, matches float64', async () => {
    const shape = [8, 20, 4, 4];
    const run = () => {
      const x = tensor(randomValues(8 * 20 * 16, 6), shape, { requiresGrad: true });
      const wt = tensor(randomValues(20, 7), [20], { requiresGrad: true });
      const b = tensor(randomValues(20, 8), [20], { requiresGrad: true });
      const y = batchNormTraining(x, wt, b, 1e-5, 0.2).y;
      return [y, ...grad(ops.sum(ops.mul(y, tensor(randomValues(8 * 20 * 16, 9), shape))), [x, wt, b]).map((g) => g!)];
    };
    const expected = withDevice('cpu', () => tidy(run));
    const actual = withDevice(gpu, () => tidy(run));
    for (let k = 0; k < expected.length; k++)
      expectClose(await actual[k].data(), await expected[k].data(), 1e-4, 1e-4, `batch norm output ${k}`);
  });

  it('Adam, new storages and in place, matches float64 with 1 and 2 parameters per dispatch', async () => {
    const sizes = [300, 1, 1025];
    const expected = reference.adam(...adamInputs(reference, sizes), adamHyper);
    const want = await Promise.all(expected.params.map((s) => reference.read(s)));
    const before = gpu.rt.counters.dispatches;
    const copied = gpu.adam(...adamInputs(gpu, sizes), adamHyper);
    const [ps, gs, ms, vs] = adamInputs(gpu, sizes);
    gpu.adamInPlace(ps, gs, ms, vs, adamHyper);
    expect(gpu.rt.counters.dispatches - before).toBe(3 + 2);
    const read = (s: Storage[]) => Promise.all(s.map((x) => gpu.read(x)));
    const [a, b] = [await read(copied.params), await read(ps)];
    sizes.forEach((_, k) => {
      expectClose(a[k], want[k], 1e-5, 1e-6, `adam ${k}`);
      expectClose(b[k], want[k], 1e-5, 1e-6, `adam in place ${k}`);
    });
  });
});
