// A trained CAVGA model as one training checkpoint: the model, both optimisers and the noise generator, with the CAVGA
// config and seed in its metadata, so a checkpoint alone rebuilds the model. No files here: the CLI reads them from disk
// (cli/model-files.ts) and browsers from a file picker, both through detectorFromCheckpoint (src/detectors.ts), which
// comes here for CAVGA's (detector.ts).

import { restoreCheckpoint, type TrainingState } from '../nn/checkpoint-state.ts';
import type { DecodedSafetensors, TensorValues } from '../nn/safetensors-format.ts';
import { Generator } from '../tensor/creation.ts';
import { cavgaConfig, type CavgaConfig } from './config.ts';
import { DataError } from '../anomaly/data/errors.ts';
import { Cavga } from './models/cavga.ts';
import { emptyCalibration } from '../anomaly/pixel-calibration.ts';
import { emptyLatentCalibration } from './latent-calibration.ts';
import { CavgaTrainer } from './trainer.ts';

export interface SavedConfig {
  cavga: CavgaConfig;
  seed: number;
}

export function newTrainer(saved: SavedConfig): CavgaTrainer {
  return new CavgaTrainer(new Cavga(saved.cavga, new Generator(saved.seed)), saved.seed + 1);
}

/** Everything a checkpoint holds of a trainer. */
export const trainingState = (t: CavgaTrainer): TrainingState => ({
  model: t.model,
  optimizers: { g: t.optimizerG, d: t.optimizerD },
  generators: { noise: t.noise },
});

export interface SavedModel {
  model: Cavga;
  /** The model with its optimisers and noise generator as saved, ready to train on. */
  trainer: CavgaTrainer;
  saved: SavedConfig;
  step: number;
}

/**
 * A checkpoint written before models carried a calibration (or, with a flat latent, a latent calibration) gets an empty
 * one (the model's initial buffers).
 */
function withCalibration(decoded: DecodedSafetensors, model: Cavga): DecodedSafetensors {
  const missing = (prefix: string, buffers: Record<string, TensorValues>) =>
    `${prefix}.images` in decoded.tensors
      ? []
      : Object.entries(buffers).map(([name, v]) => [`${prefix}.${name}`, { dtype: 'F32', ...v }]);
  const empty = [
    ...missing('calibration', emptyCalibration(model.config.imageSize)),
    ...(model.latentCalibration
      ? missing('latent_calibration', emptyLatentCalibration(model.latentCalibration.size))
      : []),
  ];
  return empty.length ? { ...decoded, tensors: { ...decoded.tensors, ...Object.fromEntries(empty) } } : decoded;
}

/** A model built from the config stored in a decoded checkpoint, with its weights; `source` names the file in errors. */
export function modelFromCheckpoint(decoded: DecodedSafetensors, source: string): SavedModel {
  let saved: SavedConfig;
  try {
    saved = JSON.parse(decoded.metadata.config ?? '');
    // Fields added since the checkpoint was written take their defaults, which are what the code did before them.
    saved.cavga = cavgaConfig(saved.cavga);
  } catch (e) {
    throw new DataError(`${source}: not a CAVGA checkpoint of this project (${(e as Error).message})`);
  }
  const trainer = newTrainer(saved);
  const { step } = restoreCheckpoint(withCalibration(decoded, trainer.model), trainingState(trainer), source);
  trainer.model.calibration.calibrated = decoded.tensors['calibration.images']?.data[0] > 0;
  if (trainer.model.latentCalibration)
    trainer.model.latentCalibration.calibrated = decoded.tensors['latent_calibration.images']?.data[0] > 0;
  return { model: trainer.model, trainer, saved, step };
}
