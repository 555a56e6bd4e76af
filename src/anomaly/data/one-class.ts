// The one-class protocol of the classification datasets (MNIST, Fashion-MNIST, CIFAR-10): one class is normal, every
// other class anomalous. Both files are labelled that way; split.ts then trains on the normal class of the training
// file (less the tenth of each class that validates) and tests on the whole test file.

import type { Image } from './image.ts';
import type { Sample, SplitSamples } from './sample.ts';

/** Labelled records of one file; an image is decoded only when a sample kept in a set is read. */
export interface Records {
  labels: ArrayLike<number>;
  /** The sample path of a record: `<file>#<record in that file>`. */
  path: (index: number) => string;
  image: (index: number) => Image;
}

export interface OneClassOptions {
  /** The normal class (a label value). */
  normalClass: number;
  /** The data seed, where a source splits its records by seed (the `mnist` package's 80/20). */
  seed?: number;
}

export function oneClassSplit(
  train: Records,
  test: Records,
  className: (label: number) => string,
  { normalClass }: OneClassOptions,
): SplitSamples {
  const samples = (records: Records): Sample[] =>
    Array.from(records.labels, (label, i) => ({
      path: records.path(i),
      label: label === normalClass ? 0 : 1,
      defect: label === normalClass ? 'good' : className(label),
      maskPath: null,
      // Decoded when read: the files hold far more records than the sets keep.
      get image() {
        return records.image(i);
      },
    }));
  return { train: samples(train), test: samples(test) };
}
