// Sequential runs a BatchNorm2d directly followed by a ReLU or LeakyReLU as one op: the same outputs, gradients and
// running statistics as the layers one by one, with the activation's two dispatches (forward and backward) gone.

import { describe, expect, it } from 'vitest';
import { grad } from '../../src/autograd/engine.ts';
import * as ops from '../../src/autograd/index.ts';
import { withDevice } from '../../src/devices.ts';
import { BatchNorm2d, Conv2d, LeakyReLU, ReLU, Sequential } from '../../src/nn/index.ts';
import { Generator, tensor } from '../../src/tensor/creation.ts';
import { tidy } from '../../src/tensor/memory.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { expectClose, randomValues, webgpu } from '../helpers/backends.ts';

const model = () =>
  new Sequential(
    new Conv2d(3, 8, 3, { padding: 1, generator: new Generator(1) }),
    new BatchNorm2d(8),
    new LeakyReLU(0.2),
    new Conv2d(8, 4, 3, { stride: 2, padding: 1, generator: new Generator(2) }),
    new BatchNorm2d(4),
    new ReLU(),
  );

/** The output, the input's and every parameter's gradient, and the running statistics after one training step. */
function step(net: Sequential, layerByLayer: boolean): Tensor[] {
  const x = tensor(randomValues(2 * 3 * 8 * 8, 3), [2, 3, 8, 8], { requiresGrad: true });
  const y = layerByLayer ? net.layers.reduce((h, m) => m.forward(h), x) : net.forward(x);
  const params = net.parameters();
  const grads = grad(ops.sum(ops.mul(y, y)), [x, ...params]).map((g) => g!);
  const bns = net.layers.filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
  return [y, ...grads, ...bns.flatMap((bn) => [bn.runningMean, bn.runningVar, bn.numBatchesTracked])];
}

describe('Sequential: batch norm and its activation as one op', () => {
  it('the same values as layer by layer on WebGPU, with 4 dispatches fewer for two pairs', async () => {
    const gpu = await webgpu();
    await withDevice(gpu, async () => {
      const counts: number[] = [];
      const [separate, fused] = [true, false].map((layerByLayer) =>
        tidy(() => {
          const before = gpu.rt.counters.dispatches;
          const out = step(model(), layerByLayer);
          counts.push(gpu.rt.counters.dispatches - before);
          return out;
        }),
      );
      for (let k = 0; k < separate.length; k++)
        expectClose(await fused[k].data(), await separate[k].data(), 1e-5, 1e-5, `value ${k}`);
      expect(counts[0] - counts[1]).toBe(4);
    });
  });

  it('the same values as layer by layer in float64, and in eval mode', async () => {
    await withDevice('cpu', async () => {
      const [separate, fused] = [true, false].map((layerByLayer) => tidy(() => step(model(), layerByLayer)));
      for (let k = 0; k < separate.length; k++)
        expectClose(await fused[k].data(), await separate[k].data(), 1e-12, 1e-12, `value ${k}`);
      const net = model();
      tidy(() => step(net, false)); // running statistics away from their start
      net.eval();
      const x = tensor(randomValues(2 * 3 * 8 * 8, 4), [2, 3, 8, 8]);
      const byLayer = net.layers.reduce((h, m) => m.forward(h), x);
      expectClose(await net.forward(x).data(), await byLayer.data(), 1e-12, 1e-12, 'eval');
    });
  });
});
