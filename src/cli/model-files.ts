// A category's model on disk: one training checkpoint holding the model, both optimisers, the noise generator and the
// CAVGA config, so eval and infer need nothing but the file.

import { existsSync } from 'node:fs';
import { loadSafetensors } from '../nn/checkpoint-file.ts';
import { loadCheckpoint, saveCheckpoint } from '../nn/checkpoint.ts';
import { Generator } from '../tensor/creation.ts';
import { validateConfig, type CavgaConfig } from '../cavga/config.ts';
import { Cavga } from '../cavga/models/cavga.ts';
import { CavgaTrainer } from '../cavga/trainer.ts';
import { DataError } from '../cavga/data/index.ts';

export interface SavedConfig {
  cavga: CavgaConfig;
  seed: number;
}

export function newTrainer(saved: SavedConfig): CavgaTrainer {
  return new CavgaTrainer(new Cavga(saved.cavga, new Generator(saved.seed)), saved.seed + 1);
}

const stateOf = (t: CavgaTrainer) => ({ model: t.model, optimizers: { g: t.optimizerG, d: t.optimizerD }, generators: { noise: t.noise } });

export function saveTraining(path: string, trainer: CavgaTrainer, saved: SavedConfig, step: number): Promise<void> {
  return saveCheckpoint(path, { ...stateOf(trainer), step, config: saved });
}

/** Restores a training checkpoint into a trainer built from the same config; returns the step it was saved at. */
export async function resumeTraining(path: string, trainer: CavgaTrainer): Promise<number> {
  return (await loadCheckpoint(path, stateOf(trainer))).step;
}

/** A model for evaluation or inference, built from the config stored in its checkpoint. */
export async function loadModel(path: string): Promise<{ model: Cavga; saved: SavedConfig; step: number }> {
  if (!existsSync(path)) throw new DataError(`${path}: no such checkpoint`);
  const meta = (await loadSafetensors(path)).metadata;
  let saved: SavedConfig;
  try {
    saved = JSON.parse(meta.config ?? '');
    validateConfig(saved.cavga);
  } catch (e) {
    throw new DataError(`${path}: not a CAVGA checkpoint of this project (${(e as Error).message})`);
  }
  const trainer = newTrainer(saved);
  const step = await resumeTraining(path, trainer);
  return { model: trainer.model, saved, step };
}
