// The training loop of detectors that learn by steps (CAVGA, the autoencoders): deterministic batches, one readback per
// step for the logged losses (overlapping the next step's recording), periodic checkpoints, a clean stop on request
// (Ctrl-C, SIGTERM) and on a non-finite loss. The same seed and adapter give the same run whether or not it was
// interrupted and resumed.

import { readAll, type Tensor } from '../tensor/tensor.ts';
import type { Batch, TrainingData } from './batch.ts';
import type { StepLosses } from './detector.ts';
import type { TrainingProgress } from './lr-schedule.ts';
import { batchIndices } from './schedule.ts';

export interface TrainLoopOptions {
  /** A step-trained detector, or any trainer with its step (CavgaTrainer). */
  trainer: { step(batch: Batch, progress: TrainingProgress): StepLosses };
  data: TrainingData;
  batchSize: number;
  steps: number;
  seed: number;
  /** First step to run: 0, or the step a resumed checkpoint was saved at. */
  startStep?: number;
  checkpointEvery: number;
  /** Saves everything needed to resume at `step` (the number of steps done). */
  saveCheckpoint: (step: number) => Promise<void>;
  /** Called after every step with that step's loss terms. */
  onStep?: (step: number, losses: Record<string, number>) => void;
  /** Polled before every step: true stops the loop after saving a checkpoint. */
  stopRequested?: () => boolean;
}

export type LoopEnd =
  | { reason: 'done'; step: number }
  | { reason: 'interrupted'; step: number }
  | { reason: 'non-finite'; step: number; term: string; lastCheckpoint: number };

/** All loss terms in one readback. */
async function readLosses(losses: Record<string, Tensor>): Promise<Record<string, number>> {
  const names = Object.keys(losses);
  const values = await readAll(names.map((n) => losses[n]));
  return Object.fromEntries(names.map((n, k) => [n, values[k][0]]));
}

/**
 * Runs the steps. Step k's losses are read back while step k + 1 is recorded, so the device does not wait for
 * JavaScript between steps; a step's losses are checked before it is reported and before any checkpoint after it.
 */
export async function trainLoop(o: TrainLoopOptions): Promise<LoopEnd> {
  let lastCheckpoint = o.startStep ?? 0;
  let pending: { step: number; values: Promise<Record<string, number>> } | null = null;
  /** Waits for the pending step's losses and reports them; the loop's end when one is not finite. */
  const check = async (): Promise<LoopEnd | null> => {
    if (!pending) return null;
    const { step, values: read } = pending;
    pending = null;
    const values = await read;
    const bad = Object.entries(values).find(([, v]) => !Number.isFinite(v));
    // The weights after a non-finite step are not saved: the last checkpoint stays the last good one.
    if (bad) return { reason: 'non-finite', step, term: bad[0], lastCheckpoint };
    o.onStep?.(step, values);
    return null;
  };
  for (let step = o.startStep ?? 0; step < o.steps; step++) {
    if (o.stopRequested?.()) {
      const end = await check();
      if (end) return end;
      await o.saveCheckpoint(step);
      return { reason: 'interrupted', step };
    }
    const batch = o.data.batch(batchIndices(o.data.count, o.batchSize, o.seed, step));
    const losses = o.trainer.step(batch, { step, steps: o.steps });
    batch.images.dispose();
    batch.labels?.dispose();
    const read = readLosses(losses).finally(() => Object.values(losses).forEach((t) => t.dispose()));
    const end = await check();
    if (end) {
      await read.catch(() => undefined); // this step ran after a non-finite one: its losses are not reported
      return end;
    }
    pending = { step, values: read };
    const done = step + 1;
    if (done % o.checkpointEvery === 0 || done === o.steps) {
      const last = await check();
      if (last) return last;
      await o.saveCheckpoint(done);
      lastCheckpoint = done;
    }
  }
  return (await check()) ?? { reason: 'done', step: o.steps };
}
