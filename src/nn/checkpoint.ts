// Training checkpoints as files (Node only); the format itself is in checkpoint-state.ts.

import { loadSafetensors, saveSafetensors } from './checkpoint-file.ts';
import {
  checkpointContents,
  restoreCheckpoint,
  type LoadedCheckpoint,
  type TrainingState,
} from './checkpoint-state.ts';

export type { LoadedCheckpoint, TrainingState } from './checkpoint-state.ts';

export async function saveCheckpoint(path: string, state: TrainingState): Promise<void> {
  const { tensors, metadata } = checkpointContents(state);
  await saveSafetensors(path, tensors, metadata);
}

/** Restores a checkpoint file written by saveCheckpoint into `state` (see restoreCheckpoint). */
export async function loadCheckpoint(path: string, state: TrainingState): Promise<LoadedCheckpoint> {
  return restoreCheckpoint(await loadSafetensors(path), state, path);
}
