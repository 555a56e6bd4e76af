// Datasets from files (Node): a train/test split's samples and image files for inference, their PNGs read as the
// datasets are loaded (dataset.ts).

import { Dataset, type DataBatch, type SampleReader } from './dataset.ts';
import { preprocess, stack, type Preprocessing } from './image.ts';
import { readPng } from './png.ts';
import type { SplitSamples } from './sample.ts';

/** Samples' PNG files; records of IDX and CIFAR-10 files come decoded. */
const files: SampleReader = {
  image: (sample) => sample.image ?? readPng(sample.path),
  mask: (sample) => sample.mask ?? readPng(sample.maskPath!),
};

/** Loads a train/test split with one pre-processing; both sets must share one channel count. */
export function loadSplit(split: SplitSamples, p: Preprocessing, name: string): { train: Dataset; test: Dataset } {
  const train = Dataset.load(split.train, p, `${name}: training set`, undefined, files);
  return { train, test: Dataset.load(split.test, p, `${name}: test set`, train.source, files) };
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
