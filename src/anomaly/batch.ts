// Dataset batches as device tensors: the one place where pre-processed images (and labels) become a detector's input,
// for training, calibration, evaluation and inference alike.

import { tensor } from '../tensor/creation.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { DataBatch, Dataset } from './data/dataset.ts';

export interface Batch {
  images: Tensor; // [n, c, s, s] in [-1, 1]
  /** Weakly supervised training only: 1 for anomalous, 0 for normal, [n]. */
  labels?: Tensor;
}

/** Training examples that a loop or a one-pass fit reads batch by batch. */
export interface TrainingData {
  /** Number of training examples. */
  count: number;
  /** The examples at these indices as device tensors (the caller disposes them). */
  batch(indices: number[]): Batch;
}

/** A dataset's batch on the default device; its labels too when `withLabels` (weakly supervised training). */
export function toBatch(batch: DataBatch, withLabels = false): Batch {
  return {
    images: tensor(batch.images, batch.shape),
    labels: withLabels ? tensor(batch.labels, [batch.labels.length]) : undefined,
  };
}

/** A dataset as training data. */
export function trainingData(dataset: Dataset, withLabels: boolean): TrainingData {
  return { count: dataset.count, batch: (indices) => toBatch(dataset.batch(indices), withLabels) };
}

/** The normal images of a dataset (a weakly supervised training set holds a few anomalous ones) as training data. */
export function normalTrainingData(dataset: Dataset): TrainingData {
  const normal = [...dataset.labels.keys()].filter((i) => dataset.labels[i] < 0.5);
  return { count: normal.length, batch: (indices) => toBatch(dataset.batch(indices.map((i) => normal[i]))) };
}

/** The dataset's images at `indices`, `size` at a time, each batch read back and as a tensor the consumer disposes. */
export function* imageBatches(
  dataset: Dataset,
  indices: readonly number[],
  size: number,
): Generator<{ indices: number[]; batch: DataBatch; images: Tensor }> {
  for (let start = 0; start < indices.length; start += size) {
    const chosen = indices.slice(start, start + size);
    const batch = dataset.batch(chosen);
    yield { indices: chosen, batch, images: toBatch(batch).images };
  }
}
