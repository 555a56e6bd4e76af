// Datasets from files (Node): a split's samples and image files for inference, their PNGs read as the datasets are
// loaded (dataset.ts).

import { Dataset, type DataBatch, type SampleReader } from './dataset.ts';
import { preprocess, stack, type Preprocessing } from './image.ts';
import { readPng } from './png.ts';
import type { Split } from './sample.ts';

/** Samples' PNG files; records of IDX and CIFAR-10 files come decoded. */
const files: SampleReader = {
  image: (sample) => sample.image ?? readPng(sample.path),
  mask: (sample) => sample.mask ?? readPng(sample.maskPath!),
};

/**
 * Loads a split's training set and the set a model is evaluated on (its test set, or its validation set while settings
 * are chosen), with one pre-processing; both must share one channel count.
 */
export function loadSplit(
  split: Split,
  p: Preprocessing,
  name: string,
  evaluateOn: 'validation' | 'test' = 'test',
): { train: Dataset; evaluated: Dataset } {
  const train = Dataset.load(split.train, p, `${name}: training set`, undefined, files);
  const evaluated = Dataset.load(split[evaluateOn], p, `${name}: ${evaluateOn} set`, train.source, files);
  return { train, evaluated };
}

/**
 * Image files for inference, pre-processed exactly as in training and evaluation. They are independent images, not a
 * dataset: with channel conversion, gray and colour files may come together.
 */
export function loadImageFiles(paths: string[], p: Preprocessing): DataBatch {
  const { data, shape } = stack(
    paths.map((path) => preprocess(readPng(path), path, p)),
    p.channels,
    p.size,
  );
  return { images: data, shape, labels: new Float32Array(paths.length), masks: null, paths: [...paths] };
}
