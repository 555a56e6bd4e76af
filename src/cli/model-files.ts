// A category's detector on disk: one training checkpoint (its config in the metadata, anomaly/detector.ts), so eval and
// infer need nothing but the file.

import { existsSync } from 'node:fs';
import { loadSafetensors } from '../nn/checkpoint-file.ts';
import { loadCheckpoint, saveCheckpoint } from '../nn/checkpoint.ts';
import { detectorCheckpoint, type Detector } from '../anomaly/detector.ts';
import { DataError } from '../anomaly/data/index.ts';
import { detectorFromCheckpoint } from '../detectors.ts';

export function saveDetector(path: string, detector: Detector, step: number): Promise<void> {
  return saveCheckpoint(path, detectorCheckpoint(detector, step));
}

/** Restores a training checkpoint into a detector built from the same config; returns the step it was saved at. */
export async function resumeDetector(path: string, detector: Detector): Promise<number> {
  return (await loadCheckpoint(path, detector.checkpointState())).step;
}

/** A detector for evaluation or inference, built from the config stored in its checkpoint. */
export async function loadDetector(path: string): Promise<ReturnType<typeof detectorFromCheckpoint>> {
  if (!existsSync(path)) throw new DataError(`${path}: no such checkpoint`);
  return detectorFromCheckpoint(await loadSafetensors(path), path);
}
