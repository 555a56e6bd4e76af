// A CAVGA trainer's checkpoint, written and read back in memory, optionally without some tensors: how the scoring tests
// show what a checkpoint carries, and what loading one written before a buffer existed gives.

import { modelFromCheckpoint, trainingState, type SavedModel } from '../../src/cavga/saved-model.ts';
import type { CavgaTrainer } from '../../src/cavga/trainer.ts';
import { checkpointContents } from '../../src/nn/checkpoint-state.ts';
import { decodeSafetensors, encodeSafetensors, type TensorValues } from '../../src/nn/safetensors-format.ts';

/** The trainer's checkpoint (config seed `seed`) without the tensors whose names start with `drop`, loaded again. */
export async function reloaded(trainer: CavgaTrainer, seed: number, drop?: string): Promise<SavedModel> {
  const { tensors, metadata } = checkpointContents({
    ...trainingState(trainer),
    config: { cavga: trainer.model.config, seed },
  });
  const values: Record<string, TensorValues> = {};
  for (const [name, t] of Object.entries(tensors))
    if (!(drop && name.startsWith(drop))) values[name] = { shape: t.shape, data: Float32Array.from(await t.data()) };
  const file = drop ? 'old.safetensors' : 'with.safetensors';
  return modelFromCheckpoint(decodeSafetensors(encodeSafetensors(values, metadata), file), file);
}
