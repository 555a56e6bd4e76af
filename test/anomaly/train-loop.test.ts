// The training loop: an interrupted and resumed run equals an uninterrupted one; a non-finite loss stops it and keeps the
// last good checkpoint.

import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDevice } from '../../src/devices.ts';
import { Generator, tensor } from '../../src/tensor/creation.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import { Cavga, CavgaTrainer, cavgaConfig, type CavgaConfig } from '../../src/cavga/index.ts';
import { trainLoop, type TrainLoopOptions } from '../../src/anomaly/train-loop.ts';
import type { TrainingData } from '../../src/anomaly/batch.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/nn/checkpoint.ts';
import { randomValues, webgpu } from '../helpers/backends.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

const dir = mkdtempSync(join(tmpdir(), 'train-loop-test-'));
const config = (overrides: Partial<CavgaConfig> = {}) =>
  cavgaConfig({ imageSize: 16, channels: 1, latentChannels: 2, width: 4, ...overrides });

function dataset(): TrainingData {
  const images = randomValues(10 * 256, 3);
  return {
    count: 10,
    batch: (indices) => ({
      images: tensor(
        indices.flatMap((i) => Array.from(images.subarray(i * 256, (i + 1) * 256))),
        [indices.length, 1, 16, 16],
      ),
    }),
  };
}

function setup(overrides: Partial<CavgaConfig> = {}) {
  const trainer = new CavgaTrainer(new Cavga(config(overrides), new Generator(1)), 5);
  const state = {
    model: trainer.model,
    optimizers: { g: trainer.optimizerG, d: trainer.optimizerD },
    generators: { noise: trainer.noise },
  };
  return { trainer, state };
}

/** trainLoop on the test's data (batches of 4, seed 2, no checkpoints written unless `options` saves them). */
const loop = (
  trainer: CavgaTrainer,
  options: Pick<TrainLoopOptions, 'steps'> & Partial<Omit<TrainLoopOptions, 'trainer' | 'data'>>,
) =>
  trainLoop({
    trainer,
    data: dataset(),
    batchSize: 4,
    seed: 2,
    checkpointEvery: 100,
    saveCheckpoint: async () => {},
    ...options,
  });

describe('train loop', () => {
  it('stopping at step 3 and resuming gives bit-identical weights to 6 uninterrupted steps', async () => {
    await withDevice(gpu, async () => {
      const straight = setup();
      await loop(straight.trainer, { steps: 6 });

      const path = join(dir, 'resume.safetensors');
      const first = setup();
      const end = await loop(first.trainer, {
        steps: 6,
        saveCheckpoint: (step) => saveCheckpoint(path, { ...first.state, step }),
        stopRequested: () => first.trainer.optimizerG.stepCount === 3,
      });
      expect(end).toEqual({ reason: 'interrupted', step: 3 });

      const resumed = setup();
      const { step } = await loadCheckpoint(path, resumed.state);
      await loop(resumed.trainer, { steps: 6, startStep: step });

      const a = straight.trainer.model.stateDict();
      const b = resumed.trainer.model.stateDict();
      for (const name of Object.keys(a))
        expect(Array.from(await b[name].data()), name).toEqual(Array.from(await a[name].data()));
    });
  });

  it('live GPU memory stays flat over training steps', async () => {
    await withDevice(gpu, async () => {
      const run = setup();
      const live: number[] = [];
      await loop(run.trainer, { steps: 12, onStep: () => live.push(gpu.memory().liveBytes) });
      // The optimisers create their state on the first step; after that nothing may accumulate. Each step is reported
      // while the next one is in flight, except the last: it holds one step's tensors fewer.
      expect(new Set(live.slice(1, -1)).size).toBe(1);
      expect(live.at(-1)).toBeLessThan(live[1]);
    });
  });

  it('a non-finite loss stops training and reports the last good checkpoint', async () => {
    await withDevice(gpu, async () => {
      const run = setup({ lr: 1e30 });
      const saved: number[] = [];
      const end = await loop(run.trainer, {
        steps: 50,
        checkpointEvery: 1,
        saveCheckpoint: async (step) => void saved.push(step),
      });
      expect(end.reason).toBe('non-finite');
      if (end.reason !== 'non-finite') return;
      expect(end.lastCheckpoint).toBe(saved.at(-1) ?? 0);
      expect(end.step).toBeGreaterThanOrEqual(end.lastCheckpoint);
    });
  });

  it('reports each step once, in order, and never checkpoints past a non-finite step read late', async () => {
    await withDevice(gpu, async () => {
      // lr 1e30: some step goes non-finite while the next is already recorded (checkpoints every 3 steps).
      const run = setup({ lr: 1e30 });
      const reported: number[] = [];
      const saved: number[] = [];
      const end = await loop(run.trainer, {
        steps: 50,
        checkpointEvery: 3,
        saveCheckpoint: async (step) => void saved.push(step),
        onStep: (step, losses) => {
          expect(Object.values(losses).every(Number.isFinite)).toBe(true);
          reported.push(step);
        },
      });
      expect(end.reason).toBe('non-finite');
      if (end.reason !== 'non-finite') return;
      expect(reported).toEqual(Array.from({ length: end.step }, (_, k) => k));
      expect(saved.every((step) => step <= end.step)).toBe(true);
      expect(end.lastCheckpoint).toBe(saved.at(-1) ?? 0);
    });
  });

  it('a stop request reports the step in flight before the checkpoint it saves', async () => {
    await withDevice(gpu, async () => {
      const run = setup();
      const events: string[] = [];
      const end = await loop(run.trainer, {
        steps: 10,
        saveCheckpoint: async (step) => void events.push(`save ${step}`),
        onStep: (step) => void events.push(`step ${step}`),
        stopRequested: () => events.length === 4,
      });
      expect(end).toEqual({ reason: 'interrupted', step: 5 });
      expect(events).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'step 4', 'save 5']);
    });
  });
});
