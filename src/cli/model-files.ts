// A category's model on disk: one training checkpoint (see cavga/saved-model.ts), so eval and infer need nothing but the file.

import { existsSync } from 'node:fs';
import { loadSafetensors } from '../nn/checkpoint-file.ts';
import { loadCheckpoint, saveCheckpoint } from '../nn/checkpoint.ts';
import type { CavgaTrainer } from '../cavga/trainer.ts';
import { modelFromCheckpoint, trainingState, type SavedConfig, type SavedModel } from '../cavga/saved-model.ts';
import { DataError } from '../anomaly/data/index.ts';

export function saveTraining(path: string, trainer: CavgaTrainer, saved: SavedConfig, step: number): Promise<void> {
  return saveCheckpoint(path, { ...trainingState(trainer), step, config: saved });
}

/** Restores a training checkpoint into a trainer built from the same config; returns the step it was saved at. */
export async function resumeTraining(path: string, trainer: CavgaTrainer): Promise<number> {
  return (await loadCheckpoint(path, trainingState(trainer))).step;
}

/** A model for evaluation or inference, built from the config stored in its checkpoint. */
export async function loadModel(path: string): Promise<SavedModel> {
  if (!existsSync(path)) throw new DataError(`${path}: no such checkpoint`);
  return modelFromCheckpoint(await loadSafetensors(path), path);
}
