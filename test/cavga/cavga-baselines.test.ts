// Baselines and ablations on the same engine, SSIM and its gradient, and test-time analysis.

import { describe, expect, it, beforeAll } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.ts';
import { withDevice } from '../../src/devices.ts';
import { Generator, tensor } from '../../src/tensor/creation.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import { Cavga, CavgaTrainer, analyze, modelPresets, presetConfig, ssimLoss, ssimMap } from '../../src/cavga/index.ts';
import { randomValues, webgpu } from '../helpers/backends.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

describe('SSIM', () => {
  it('is 1 for identical images and lower for different ones', async () => {
    await withDevice('cpu', async () => {
      const x = tensor(randomValues(2 * 16 * 16, 1), [2, 1, 16, 16]);
      const y = tensor(randomValues(2 * 16 * 16, 2), [2, 1, 16, 16]);
      const same = await ssimMap(x, x).data();
      expect(Math.min(...same)).toBeCloseTo(1, 10);
      expect(await ssimLoss(x, y).item()).toBeGreaterThan(0.5);
    });
  });

  it('its gradient matches finite differences', async () => {
    await withDevice('cpu', async () => {
      const x = tensor(Float64Array.from(randomValues(12 * 12, 3)), [1, 1, 12, 12], { requiresGrad: true });
      const y = tensor(Float64Array.from(randomValues(12 * 12, 4)), [1, 1, 12, 12]);
      expect(await gradcheck((a) => ssimLoss(a, y), [x])).toBe(true);
    });
  });
});

describe('every model preset and ablation trains a step and analyses images on WebGPU', () => {
  const cases: [string, object][] = [
    ...Object.keys(modelPresets).map((name): [string, object] => [name, {}]),
    ['cavga-du', { flatLatent: true }],
    ['cavga-du', { attentionLoss: false }],
    ['cavga-dw', { adversarialLoss: false }],
    ['cavga-dw', { anomalyMap: 'attention-error', imageScore: 'map-max', attentionExponent: 0.5 }],
  ];
  for (const [name, overrides] of cases) {
    it(`${name} ${JSON.stringify(overrides)}`, async () => {
      await withDevice(gpu, async () => {
        const resnet = name.startsWith('cavga-r');
        const config = presetConfig(name, { imageSize: 32, channels: 3, latentChannels: 4, width: 4, ...overrides });
        const model = new Cavga(config, new Generator(1));
        if (resnet) expect(Object.keys(model.stateDict())).toContain('encoder.layer4.1.bn2.running_var');
        const trainer = new CavgaTrainer(model, 1);
        const images = tensor(randomValues(4 * 3 * 32 * 32, 7), [4, 3, 32, 32]);
        const labels = tensor([0, 0, 1, 0], [4]);
        const losses = trainer.step({ images, labels });
        for (const [term, t] of Object.entries(losses)) expect(Number.isFinite(await t.item()), term).toBe(true);
        const result = analyze(model, images);
        expect(result.map.shape).toEqual([4, 1, 32, 32]);
        expect(result.score.shape).toEqual([4]);
        const map = await result.map.data();
        expect(Math.min(...map)).toBeGreaterThanOrEqual(-1e-6);
        expect(Math.max(...map)).toBeLessThanOrEqual(1 + 1e-5);
      });
    });
  }
});
