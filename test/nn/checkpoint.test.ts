// Training checkpoints: a resumed run continues exactly as an uninterrupted one, and mismatched files change nothing.

import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grad } from '../../src/autograd/engine.ts';
import * as ops from '../../src/autograd/index.ts';
import { withDevice } from '../../src/devices.ts';
import { Generator, randn } from '../../src/tensor/creation.ts';
import { tidy } from '../../src/tensor/memory.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import { Adam, BatchNorm2d, Conv2d, LeakyReLU, Sequential } from '../../src/nn/index.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/nn/checkpoint.ts';
import { loadSafetensors } from '../../src/nn/checkpoint-file.ts';
import { checkpointContents } from '../../src/nn/checkpoint-state.ts';
import { webgpu } from '../helpers/backends.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

const dir = mkdtempSync(join(tmpdir(), 'checkpoint-test-'));

function makeRun(width = 4) {
  const g = new Generator(1);
  const model = new Sequential(
    new Conv2d(2, width, 3, { padding: 1, generator: g }),
    new BatchNorm2d(width),
    new LeakyReLU(0.2),
    new Conv2d(width, 2, 3, { padding: 1, generator: g }),
  );
  const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
  const data = new Generator(9);
  return { model, optimizer, data };
}

function trainStep(run: ReturnType<typeof makeRun>): void {
  tidy(() => {
    const x = randn([4, 2, 6, 6], { generator: run.data });
    const loss = ops.mean(ops.square(ops.sub(run.model.forward(x), x)));
    const grads = grad(loss, run.model.parameters());
    run.model.parameters().forEach((p, k) => (p.grad = grads[k]));
    run.optimizer.step();
    run.model.parameters().forEach((p) => (p.grad = null));
  });
}

describe('checkpoints', () => {
  it('resume after 3 of 6 steps gives the same weights as 6 uninterrupted steps (WebGPU)', async () => {
    await withDevice(gpu, async () => {
      const straight = makeRun();
      for (let i = 0; i < 6; i++) trainStep(straight);

      const first = makeRun();
      for (let i = 0; i < 3; i++) trainStep(first);
      const path = join(dir, 'run.safetensors');
      await saveCheckpoint(path, {
        model: first.model,
        optimizers: { adam: first.optimizer },
        generators: { data: first.data },
        step: 3,
        config: { width: 4 },
      });

      const resumed = makeRun();
      const loaded = await loadCheckpoint(path, {
        model: resumed.model,
        optimizers: { adam: resumed.optimizer },
        generators: { data: resumed.data },
      });
      expect(loaded).toEqual({ step: 3, config: { width: 4 } });
      for (let i = 0; i < 3; i++) trainStep(resumed);

      const a = straight.model.stateDict();
      const b = resumed.model.stateDict();
      for (const name of Object.keys(a))
        expect(Array.from(await b[name].data()), name).toEqual(Array.from(await a[name].data()));
    });
  });

  it('the file is a plain state dict with PyTorch names, readable by any safetensors reader', async () => {
    const path = join(dir, 'plain.safetensors');
    await withDevice('cpu', () => saveCheckpoint(path, { model: makeRun().model }));
    const decoded = await loadSafetensors(path);
    expect(Object.keys(decoded.tensors).sort()).toEqual([
      '0.bias',
      '0.weight',
      '1.bias',
      '1.num_batches_tracked',
      '1.running_mean',
      '1.running_var',
      '1.weight',
      '3.bias',
      '3.weight',
    ]);
    expect(decoded.tensors['0.weight'].shape).toEqual([4, 2, 3, 3]);
  });

  it('keeps more metadata entries as JSON under their names, and refuses one that would replace its own', async () => {
    const path = join(dir, 'noted.safetensors');
    const model = makeRun().model;
    const data = { dataset: 'builtin', dataSeed: 3, category: 'weave' };
    await withDevice('cpu', () => saveCheckpoint(path, { model, step: 7, metadata: { data } }));
    const { metadata } = await loadSafetensors(path);
    expect(JSON.parse(metadata.data)).toEqual(data);
    expect(metadata.step).toBe('7');
    expect(() => checkpointContents({ model, metadata: { step: 9 } })).toThrow(/'step' is the checkpoint's own entry/);
  });

  it('a checkpoint of another model is refused naming tensor and shapes, and nothing is loaded', async () => {
    await withDevice('cpu', async () => {
      const path = join(dir, 'wide.safetensors');
      await saveCheckpoint(path, { model: makeRun(8).model });
      const target = makeRun(4);
      const before = Array.from(await target.model.stateDict()['0.weight'].data());
      await expect(loadCheckpoint(path, { model: target.model })).rejects.toThrow(
        /0\.weight expects shape \[4, 2, 3, 3\], found \[8, 2, 3, 3\]/,
      );
      expect(Array.from(await target.model.stateDict()['0.weight'].data())).toEqual(before);
    });
  });

  it('a truncated file is refused naming the file', async () => {
    await withDevice('cpu', async () => {
      const path = join(dir, 'truncated.safetensors');
      await saveCheckpoint(path, { model: makeRun().model });
      const bytes = readFileSync(path);
      writeFileSync(path, bytes.subarray(0, bytes.length - 10));
      await expect(loadCheckpoint(path, { model: makeRun().model })).rejects.toThrow(/truncated\.safetensors/);
    });
  });
});
