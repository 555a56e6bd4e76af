// Training data for trainLoop straight from the built-in dataset's generator, with no files: how a browser trains. The
// images are the ones `cavga train` reads from its cache (before 8-bit PNG rounding), pre-processed the same way.

import { tensor } from '../tensor/creation.ts';
import type { CavgaConfig } from './config.ts';
import { preprocess, stack } from './data/image.ts';
import { syntheticCategory, syntheticGood, type SyntheticCategory } from './data/synthetic-images.ts';
import type { TrainingData } from './train-loop.ts';

export interface BuiltinTrainingOptions {
  category: SyntheticCategory;
  /** Training images to generate (the built-in set's default is 200). */
  count: number;
  /** The data seed: which copy of the built-in set (`cavga train --data-seed`, default 0). */
  seed: number;
}

export function builtinTrainingData(
  config: CavgaConfig,
  { category, count, seed }: BuiltinTrainingOptions,
): TrainingData {
  syntheticCategory(category);
  // Weakly supervised models learn from labelled anomalies, which the built-in training split does not have.
  if (config.supervision !== 'unsupervised')
    throw new Error(
      'built-in training data: only unsupervised models train on it (its training split has no anomalies)',
    );
  const p = { size: config.imageSize, channels: config.channels, convertChannels: true };
  const items = Array.from({ length: count }, (_, i) =>
    preprocess(syntheticGood(seed, category, 'train', i, config.imageSize), `${category}/train/${i}`, p),
  );
  return {
    count,
    batch: (indices) => {
      const { data, shape } = stack(
        indices.map((i) => items[i]),
        config.channels,
        config.imageSize,
      );
      return { images: tensor(data, shape) };
    },
  };
}
