// The one-class protocol of the classification datasets (MNIST, Fashion-MNIST, CIFAR-10): the training set holds only
// the normal class; the test set holds every class, anomalous unless it is the normal class.

import type { Image } from './image.ts';
import { subset } from './random.ts';
import type { Sample, SplitSamples } from './sample.ts';

/** Labelled records of one split; images are decoded only for the records kept. */
export interface Records {
  labels: ArrayLike<number>;
  /** The sample path of a record: `<file>#<record in that file>`. */
  path: (index: number) => string;
  image: (index: number) => Image;
}

export interface OneClassOptions {
  /** The normal class (a label value). */
  normalClass: number;
  /** Keep at most this many training / test samples, chosen by seed (the full sets are large for this engine). */
  maxTrain?: number;
  maxTest?: number;
  seed?: number;
}

export function oneClassSplit(
  train: Records,
  test: Records,
  className: (label: number) => string,
  o: OneClassOptions,
): SplitSamples {
  const samples = (
    records: Records,
    keep: (label: number) => boolean,
    max: number | undefined,
    key: string,
  ): Sample[] => {
    const indices = Array.from(records.labels, (label, i) => (keep(label) ? i : -1)).filter((i) => i >= 0);
    return subset(indices, max, `${o.seed ?? 0}/${key}`).map((i) => {
      const label = records.labels[i];
      return {
        path: records.path(i),
        label: label === o.normalClass ? 0 : 1,
        defect: label === o.normalClass ? 'good' : className(label),
        maskPath: null,
        image: records.image(i),
      };
    });
  };
  return {
    train: samples(train, (label) => label === o.normalClass, o.maxTrain, 'one-class-train'),
    test: samples(test, () => true, o.maxTest, 'one-class-test'),
  };
}
