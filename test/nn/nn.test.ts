// Layers, state dicts, optimisers against a float64 reference, batch-norm modes, and a small CNN that learns.

import { describe, expect, it, beforeAll } from 'vitest';
import * as ops from '../../src/autograd/index.ts';
import * as F from '../../src/nn/functional/index.ts';
import { grad } from '../../src/autograd/engine.ts';
import { withDevice } from '../../src/devices.ts';
import { Generator, tensor } from '../../src/tensor/creation.ts';
import { tidy } from '../../src/tensor/memory.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import {
  Adam,
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Flatten,
  LeakyReLU,
  Linear,
  MaxPool2d,
  SGD,
  Sequential,
  BasicBlock,
} from '../../src/nn/index.ts';
import { expectClose, randomValues, webgpu } from '../helpers/backends.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

const devices = () =>
  [
    ['cpu', 'cpu'],
    ['webgpu', gpu],
  ] as const;

describe('modules', () => {
  it('state-dict names and layouts follow PyTorch', () => {
    withDevice('cpu', () => {
      const net = new Sequential(
        new Conv2d(3, 8, 4, { stride: 2, padding: 1 }),
        new BatchNorm2d(8),
        new LeakyReLU(0.2),
        new ConvTranspose2d(8, 5, 4, { stride: 2, padding: 1, bias: false }),
      );
      const shapes = Object.fromEntries(Object.entries(net.stateDict()).map(([k, t]) => [k, t.shape]));
      expect(shapes).toEqual({
        '0.weight': [8, 3, 4, 4],
        '0.bias': [8],
        '1.weight': [8],
        '1.bias': [8],
        '1.running_mean': [8],
        '1.running_var': [8],
        '1.num_batches_tracked': [],
        '3.weight': [8, 5, 4, 4],
      });
      const block = new BasicBlock(4, 8, 2);
      expect(Object.keys(block.stateDict())).toContain('downsample.0.weight');
      expect(Object.keys(block.stateDict())).toContain('bn2.running_var');
    });
  });

  it('PyTorch default init bounds and DC-GAN init statistics', async () => {
    await withDevice('cpu', async () => {
      const conv = new Conv2d(16, 32, 3, { generator: new Generator(1) });
      const w = await conv.weight.data();
      const bound = 1 / Math.sqrt(16 * 9);
      expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
      const dc = new Conv2d(64, 64, 4, { init: 'dcgan', generator: new Generator(2) });
      const v = await dc.weight.data();
      const std = Math.sqrt(Array.from(v).reduce((a, x) => a + x * x, 0) / v.length);
      expect(std).toBeGreaterThan(0.019);
      expect(std).toBeLessThan(0.021);
      expect(Array.from(await dc.bias!.data()).every((x) => x === 0)).toBe(true);
    });
  });

  it('loadStateDict checks every shape before copying anything', () => {
    withDevice('cpu', () => {
      const a = new Sequential(new Linear(3, 4), new Linear(4, 2));
      const b = new Sequential(new Linear(3, 4), new Linear(4, 3));
      const before = a.stateDict()['0.weight'];
      expect(() => a.loadStateDict(b.stateDict())).toThrow(/1\.weight expects shape \[2, 4\], found \[3, 4\]/);
      expect(a.stateDict()['0.weight']).toBe(before);
    });
  });

  it('BatchNorm2d: training uses batch statistics and updates running ones; eval uses running ones (as PyTorch)', async () => {
    for (const [name, device] of devices()) {
      await withDevice(device, async () => {
        const bn = new BatchNorm2d(2, { momentum: 0.1 });
        const values = randomValues(2 * 2 * 3 * 3, 5);
        const x = tensor(values, [2, 2, 3, 3]);
        const y = await bn.forward(x).data();
        // channel 0 statistics by hand
        const ch0: number[] = [];
        for (let n = 0; n < 2; n++) for (let i = 0; i < 9; i++) ch0.push(values[n * 18 + i]);
        const m = ch0.reduce((a, b) => a + b, 0) / 18;
        const vBiased = ch0.reduce((a, b) => a + (b - m) ** 2, 0) / 18;
        expect(y[0]).toBeCloseTo((values[0] - m) / Math.sqrt(vBiased + 1e-5), 4);
        expect((await bn.runningMean.data())[0]).toBeCloseTo(0.1 * m, 5);
        expect((await bn.runningVar.data())[0]).toBeCloseTo(0.9 + (0.1 * vBiased * 18) / 17, 5);
        expect(await bn.numBatchesTracked.item()).toBe(1);
        bn.eval();
        const z = await bn.forward(x).data();
        expect(z[0]).toBeCloseTo((values[0] - 0.1 * m) / Math.sqrt(0.9 + (0.1 * vBiased * 18) / 17 + 1e-5), 4);
        expect(await bn.numBatchesTracked.item()).toBe(1);
      });
      expect(name).toBeTruthy();
    }
  });
});

/** Plain float64 Adam and SGD on arrays, written from the papers' and PyTorch's formulas. */
function referenceAdam(
  p: number[],
  grads: number[][],
  lr: number,
  b1: number,
  b2: number,
  eps: number,
  wd: number,
): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g0, t) => {
    for (let i = 0; i < p.length; i++) {
      const g = g0[i] + wd * p[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      p[i] -= (lr * (m[i] / (1 - b1 ** (t + 1)))) / (Math.sqrt(v[i] / (1 - b2 ** (t + 1))) + eps);
    }
  });
  return p;
}

function referenceSgd(
  p: number[],
  grads: number[][],
  lr: number,
  momentum: number,
  dampening: number,
  wd: number,
  nesterov: boolean,
): number[] {
  const buf = p.map(() => 0);
  grads.forEach((g0, t) => {
    for (let i = 0; i < p.length; i++) {
      const g = g0[i] + wd * p[i];
      buf[i] = t === 0 ? g : momentum * buf[i] + (1 - dampening) * g;
      p[i] -= lr * (nesterov ? g + momentum * buf[i] : buf[i]);
    }
  });
  return p;
}

describe('optimisers match a float64 reference over 10 steps', () => {
  const n = 300;
  const start = Array.from(randomValues(n, 3));
  const grads = Array.from({ length: 10 }, (_, k) => Array.from(randomValues(n, 100 + k)));

  async function run(
    device: 'cpu' | Backend,
    make: (p: ReturnType<typeof tensor>) => Adam | SGD,
  ): Promise<Float32Array | Float64Array> {
    return withDevice(device, async () => {
      const p = tensor(start, [n]).requiresGrad_();
      const opt = make(p);
      for (const g of grads) {
        p.grad = tensor(g, [n]);
        opt.step();
        opt.zeroGrad();
      }
      return p.data();
    });
  }

  it('Adam with weight decay', async () => {
    const expected = referenceAdam([...start], grads, 1e-2, 0.5, 0.999, 1e-8, 0.01);
    for (const [, device] of devices()) {
      expectClose(
        await run(device, (p) => new Adam([p], { lr: 1e-2, betas: [0.5, 0.999], weightDecay: 0.01 })),
        expected,
        1e-5,
        1e-6,
        'adam',
      );
    }
  });

  it('Adam writes a parameter in place when it alone holds its storage, and keeps a copy_ of it unchanged', async () => {
    const expected = referenceAdam([...start], grads, 1e-2, 0.5, 0.999, 1e-8, 0.01);
    for (const [, device] of devices()) {
      await withDevice(device, async () => {
        const [alone, copied] = [tensor(start, [n]).requiresGrad_(), tensor(start, [n]).requiresGrad_()];
        const snapshot = tensor(new Array(n).fill(0), [n]).copy_(copied); // shares copied's storage
        const opt = new Adam([alone, copied], { lr: 1e-2, betas: [0.5, 0.999], weightDecay: 0.01 });
        const storage = alone.storage;
        for (const g of grads) {
          alone.grad = tensor(g, [n]);
          copied.grad = tensor(g, [n]);
          opt.step();
          opt.zeroGrad();
        }
        expect(alone.storage).toBe(storage);
        expect(copied.storage).not.toBe(snapshot.storage);
        expectClose(await alone.data(), expected, 1e-5, 1e-6, 'in place');
        expectClose(await copied.data(), expected, 1e-5, 1e-6, 'with new storages');
        expectClose(await snapshot.data(), start, 0, 0, 'the copy_ keeps its values');
      });
    }
  });

  it('SGD with momentum, dampening and weight decay; and Nesterov', async () => {
    const expected = referenceSgd([...start], grads, 0.1, 0.9, 0.1, 1e-3, false);
    const nesterov = referenceSgd([...start], grads, 0.1, 0.9, 0, 0, true);
    for (const [, device] of devices()) {
      expectClose(
        await run(device, (p) => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3 })),
        expected,
        1e-5,
        1e-6,
        'sgd',
      );
      expectClose(
        await run(device, (p) => new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true })),
        nesterov,
        1e-5,
        1e-6,
        'sgd nesterov',
      );
    }
  });

  it('steps outside tidy() leave no storage behind', async () => {
    await withDevice(gpu, async () => {
      const p = tensor(start, [n]).requiresGrad_();
      p.grad = tensor(grads[0], [n]);
      const opt = new Adam([p], { lr: 1e-2 });
      opt.step();
      const live = gpu.memory().liveStorages;
      for (let k = 0; k < 5; k++) opt.step();
      expect(gpu.memory().liveStorages).toBe(live);
    });
  });

  it('optimiser state round-trips through stateDict', async () => {
    await withDevice('cpu', async () => {
      const p = tensor(start, [n]).requiresGrad_();
      const opt = new Adam([p], { lr: 0.1 });
      p.grad = tensor(grads[0], [n]);
      opt.step();
      const saved = opt.stateDict();
      const q = tensor(start, [n]).requiresGrad_();
      const restored = new Adam([q], { lr: 0.1 });
      restored.loadStateDict(saved);
      expect(restored.stepCount).toBe(1);
      expect(Array.from(await restored.stateDict().tensors['state.0.0.exp_avg'].data())).toEqual(
        Array.from(await saved.tensors['state.0.0.exp_avg'].data()),
      );
    });
  });
});

describe('a small CNN learns a synthetic task on WebGPU', () => {
  it('bright blob left vs right: loss falls at least 5x in 60 Adam steps', async () => {
    const losses: number[] = [];
    await withDevice(gpu, async () => {
      const g = new Generator(11);
      const net = new Sequential(
        new Conv2d(1, 8, 3, { padding: 1, generator: g }),
        new BatchNorm2d(8),
        new LeakyReLU(0.2),
        new MaxPool2d(2),
        new Conv2d(8, 8, 3, { padding: 1, generator: g }),
        new LeakyReLU(0.2),
        new MaxPool2d(2),
        new Flatten(),
        new Linear(8 * 4 * 4, 1, { generator: g }),
      );
      const opt = new Adam(net.parameters(), { lr: 3e-3 });
      const batch = 16;
      for (let step = 0; step < 60; step++) {
        const { images, labels } = blobBatch(batch, step);
        const loss = tidy(() => {
          const logits = ops.reshape(net.forward(tensor(images, [batch, 1, 16, 16])), [batch]);
          const l = F.binaryCrossEntropyWithLogits(logits, tensor(labels, [batch]));
          const grads = grad(l, net.parameters());
          net.parameters().forEach((p, k) => (p.grad = grads[k]));
          opt.step();
          net.parameters().forEach((p) => (p.grad = null));
          return l;
        });
        losses.push(await loss.item());
        loss.dispose();
      }
    });
    const first = mean(losses.slice(0, 5));
    const last = mean(losses.slice(-5));
    expect(last).toBeLessThan(first / 5);
  });
});

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** 16x16 images of noise with a bright 4x4 blob on the left (label 0) or right (label 1) half. */
function blobBatch(batch: number, seed: number): { images: Float32Array; labels: Float32Array } {
  const noise = randomValues(batch * 256, seed + 1);
  const images = new Float32Array(batch * 256);
  const labels = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    const right = (b + seed) % 2;
    labels[b] = right;
    const y0 = (b * 5 + seed) % 12;
    const x0 = right ? 9 + ((b + seed) % 3) : 1 + ((b * 3 + seed) % 3);
    for (let i = 0; i < 256; i++) images[b * 256 + i] = 0.2 * noise[b * 256 + i];
    for (let y = y0; y < y0 + 4; y++) for (let x = x0; x < x0 + 4; x++) images[b * 256 + y * 16 + x] += 1.5;
  }
  return { images, labels };
}
