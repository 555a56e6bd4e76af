// The learning-rate schedule: the cosine factor at known points, and a CAVGA trainer's Adams following it step by step.

import { describe, expect, it } from 'vitest';
import { withDevice } from '../../src/devices.ts';
import { lrFactor } from '../../src/anomaly/lr-schedule.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { cavgaConfig } from '../../src/cavga/index.ts';
import { newTrainer } from '../../src/cavga/saved-model.ts';
import { randomValues } from '../helpers/backends.ts';

describe('learning-rate schedule', () => {
  it('cosine: 1 at the start, 1/2 half way, (1 + cos(pi/4)) / 2 a quarter in, decreasing to ~0 at the last step', () => {
    expect(lrFactor('cosine', { step: 0, steps: 400 })).toBe(1);
    expect(lrFactor('cosine', { step: 200, steps: 400 })).toBeCloseTo(0.5, 15);
    expect(lrFactor('cosine', { step: 100, steps: 400 })).toBeCloseTo((1 + Math.SQRT1_2) / 2, 15);
    const curve = Array.from({ length: 400 }, (_, step) => lrFactor('cosine', { step, steps: 400 }));
    expect(curve.every((f, k) => k === 0 || f < curve[k - 1])).toBe(true);
    expect(curve[399]).toBeGreaterThan(0);
    expect(curve[399]).toBeLessThan(1e-4);
    expect(lrFactor('constant', { step: 300, steps: 400 })).toBe(1);
  });

  it("a CAVGA trainer sets both Adams' learning rate by its schedule at every step", async () => {
    await withDevice('cpu', async () => {
      const config = cavgaConfig({ imageSize: 16, channels: 1, width: 2, latentChannels: 2, lr: 0.01 });
      const images = tensor(randomValues(2 * 256, 5), [2, 1, 16, 16]);
      const lrs = (t: ReturnType<typeof newTrainer>) =>
        [t.optimizerG, t.optimizerD].flatMap((o) => o.groups.map((g) => g.options.lr));
      const cosine = newTrainer({ cavga: { ...config, lrSchedule: 'cosine' }, seed: 0 });
      cosine.step({ images }, { step: 100, steps: 400 });
      for (const lr of lrs(cosine)) expect(lr).toBeCloseTo((0.01 * (1 + Math.SQRT1_2)) / 2, 15);
      const constant = newTrainer({ cavga: config, seed: 0 });
      constant.step({ images }, { step: 100, steps: 400 });
      expect(lrs(constant)).toEqual([0.01, 0.01]);
    });
  });
});
