// A category's detector on disk: one training checkpoint (its config in the metadata, anomaly/detector.ts, and the data
// it trained on), so eval and infer need nothing but the file.

import { existsSync } from 'node:fs';
import { loadSafetensors } from '../nn/checkpoint-file.ts';
import { loadCheckpoint, saveCheckpoint } from '../nn/checkpoint.ts';
import { detectorCheckpoint, type Detector } from '../anomaly/detector.ts';
import { DataError } from '../anomaly/data/index.ts';
import { detectorFromCheckpoint } from '../detectors.ts';
import type { TrainedOn } from './data-source.ts';

/** Saves a detector's checkpoint, with the data it trained on where known (`cavga eval` then splits it the same way). */
export function saveDetector(path: string, detector: Detector, step: number, data?: TrainedOn): Promise<void> {
  return saveCheckpoint(path, { ...detectorCheckpoint(detector, step), metadata: data && { data } });
}

/** Restores a training checkpoint into a detector built from the same config; returns the step it was saved at. */
export async function resumeDetector(path: string, detector: Detector): Promise<number> {
  return (await loadCheckpoint(path, detector.checkpointState())).step;
}

/**
 * A detector for evaluation or inference, built from the config stored in its checkpoint, and the data it trained on
 * (null for checkpoints written before they recorded it).
 */
export async function loadDetector(
  path: string,
): Promise<ReturnType<typeof detectorFromCheckpoint> & { trainedOn: TrainedOn | null }> {
  if (!existsSync(path)) throw new DataError(`${path}: no such checkpoint`);
  const decoded = await loadSafetensors(path);
  let trainedOn: TrainedOn | null;
  try {
    trainedOn = JSON.parse(decoded.metadata.data ?? 'null');
  } catch (e) {
    throw new DataError(`${path}: its metadata 'data' is not JSON (${(e as Error).message})`);
  }
  return { ...detectorFromCheckpoint(decoded, path), trainedOn };
}
