// Training data straight from the built-in dataset's generator, with no files: how a browser trains. The images are the
// ones `cavga train` reads from its cache (before 8-bit PNG rounding), pre-processed the same way.

import { trainingData, type TrainingData } from './batch.ts';
import { Dataset } from './data/dataset.ts';
import { syntheticCategory, syntheticGood, type SyntheticCategory } from './data/synthetic-images.ts';
import type { DetectorSpec } from './detector.ts';

export interface BuiltinTrainingOptions {
  category: SyntheticCategory;
  /** Training images to generate (the built-in set's default is 200). */
  count: number;
  seed: number;
}

/** The built-in training images for a detector of this input size and supervision (a CAVGA config will do). */
export function builtinTrainingData(
  detector: Pick<DetectorSpec, 'imageSize' | 'channels' | 'supervision'>,
  { category, count, seed }: BuiltinTrainingOptions,
): TrainingData {
  syntheticCategory(category);
  // Weakly supervised detectors learn from labelled anomalies, which the built-in training split does not have.
  if (detector.supervision !== 'unsupervised')
    throw new Error(
      'built-in training data: only unsupervised models train on it (its training split has no anomalies)',
    );
  const size = detector.imageSize;
  const samples = Array.from({ length: count }, (_, i) => ({
    path: `${category}/train/${i}`,
    label: 0 as const,
    defect: 'good',
    image: syntheticGood(seed, category, 'train', i, size),
  }));
  const p = { size, channels: detector.channels, convertChannels: true };
  return trainingData(Dataset.load(samples, p, `built-in ${category} training set`), false);
}
