// Ownership: tidy frees intermediates, and training steps of a small conv net hold GPU memory flat.

import { describe, expect, it, beforeAll } from 'vitest';
import { grad } from '../../src/autograd/engine.ts';
import * as ops from '../../src/autograd/index.ts';
import * as F from '../../src/nn/functional/index.ts';
import { withDevice } from '../../src/devices.ts';
import { randn, zeros, ones } from '../../src/tensor/creation.ts';
import { keep, tidy } from '../../src/tensor/memory.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { webgpu } from '../helpers/backends.ts';
import { gradCamLoss } from '../helpers/gradcam.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

describe('memory', () => {
  it('tidy disposes intermediates and keeps the result', () => {
    withDevice(gpu, () => {
      const before = gpu.memory().liveStorages;
      const result = tidy(() => ops.sum(ops.exp(ops.mul(randn([64]), 2))));
      expect(gpu.memory().liveStorages).toBe(before + 1);
      result.dispose();
      expect(gpu.memory().liveStorages).toBe(before);
    });
  });

  it('50 SGD steps of a small conv net with batch norm and Grad-CAM keep live GPU bytes flat after the first', async () => {
    const live: number[] = [];
    withDevice(gpu, () => {
      const params = keepAll([
        randn([8, 3, 3, 3]),
        randn([8]),
        ones([8]),
        zeros([8]),
        randn([4, 8, 3, 3]),
        randn([2, 4, 1, 1]),
      ]);
      params.forEach((p) => p.requiresGrad_());
      const runningMean = keep(zeros([8]));
      const runningVar = keep(ones([8]));
      for (let step = 0; step < 50; step++) {
        tidy(() => {
          const x = randn([4, 3, 16, 16]);
          const [w1, b1, gamma, beta, w2, w3] = params;
          const h = ops.leakyRelu(
            F.batchNorm(ops.conv2d(x, w1, b1, 2, 1), runningMean, runningVar, gamma, beta, true),
            0.2,
          );
          const recon = ops.mean(ops.square(ops.conv2d(h, w2, null, 1, 1)));
          const attention = gradCamLoss(x, w1, w2, w3);
          const loss = ops.add(recon, attention);
          const grads = grad(loss, params);
          params.forEach((p, k) => p.copy_(ops.sub(p.detach(), ops.mul(grads[k]!, 1e-3))));
        });
        live.push(gpu.memory().liveBytes);
      }
    });
    expect(new Set(live.slice(1)).size).toBe(1);
  });
});

function keepAll(ts: Tensor[]): Tensor[] {
  return ts.map((t) => keep(t));
}
