// A category's detector on disk: one training checkpoint (its config in the metadata, anomaly/detector.ts, and the data
// it trained on), so eval and infer need nothing but the file. File-system errors name the checkpoint and what to do.

import { existsSync } from 'node:fs';
import { loadSafetensors } from '../nn/checkpoint-file.ts';
import { loadCheckpoint, saveCheckpoint } from '../nn/checkpoint.ts';
import type { DecodedSafetensors } from '../nn/safetensors-format.ts';
import { detectorCheckpoint, type Detector } from '../anomaly/detector.ts';
import { DataError } from '../anomaly/data/index.ts';
import { fileError } from '../anomaly/data/files.ts';
import { detectorFromCheckpoint } from '../detectors.ts';
import type { TrainedOn } from './data-source.ts';

/** Saves a detector's checkpoint, with the data it trained on where known (`cavga eval` then splits it the same way). */
export async function saveDetector(path: string, detector: Detector, step: number, data?: TrainedOn): Promise<void> {
  try {
    await saveCheckpoint(path, { ...detectorCheckpoint(detector, step), metadata: data && { data } });
  } catch (e) {
    throw fileError(e, path, 'write');
  }
}

/** Restores a training checkpoint into a detector built from the same config; returns the step it was saved at. */
export async function resumeDetector(path: string, detector: Detector): Promise<number> {
  try {
    return (await loadCheckpoint(path, detector.checkpointState())).step;
  } catch (e) {
    throw fileError(e, path, 'read');
  }
}

/** A checkpoint file's contents, decoded (nothing is built: no device is needed yet). */
export async function readCheckpoint(path: string): Promise<DecodedSafetensors> {
  if (!existsSync(path)) throw new DataError(`${path}: no such checkpoint`);
  try {
    return await loadSafetensors(path);
  } catch (e) {
    throw fileError(e, path, 'read');
  }
}

/** The step a checkpoint was saved at, read from its metadata. */
export async function savedStep(path: string): Promise<number> {
  const step = Number((await readCheckpoint(path)).metadata.step);
  if (!Number.isSafeInteger(step) || step < 0) throw new DataError(`${path}: not a training checkpoint (no step)`);
  return step;
}

/**
 * A detector for evaluation or inference, built on the WebGPU device from the config stored in its checkpoint, and the
 * data it trained on (null for checkpoints written before they recorded it). The file is read before the device starts,
 * so a bad one is refused at once.
 */
export async function loadDetector(
  path: string,
): Promise<ReturnType<typeof detectorFromCheckpoint> & { trainedOn: TrainedOn | null }> {
  const decoded = await readCheckpoint(path);
  let trainedOn: TrainedOn | null;
  try {
    trainedOn = JSON.parse(decoded.metadata.data ?? 'null');
  } catch (e) {
    throw new DataError(`${path}: its metadata 'data' is not JSON (${(e as Error).message})`);
  }
  const { init } = await import('../devices.ts');
  await init({ lowerHostPriority: true });
  return { ...detectorFromCheckpoint(decoded, path), trainedOn };
}
