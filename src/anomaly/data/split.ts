// Train / validation / test, made the same way for every source and seeded by the data seed alone, so every model
// trained on the same data and data seed sees the same three sets, and `cavga eval` rebuilds its checkpoint's.
//
// The validation set comes from whichever side of the source (SplitSamples) has anomalies to spare:
// - the one-class sets (MNIST, CIFAR-10) label the other classes of their training file anomalous: the validation set
//   is a seeded tenth of each class of that file; training keeps the rest of the normal class; the test file is the
//   test set, untouched;
// - the others (MVTec AD, the built-in set, folders) have normal training images only: the validation set is a seeded
//   quarter of each group of the test side (its normal images and each defect type), leaving at least one image of
//   every group to the test set, which is the rest.
// Weakly supervised, 2% of the anomalous validation and test images (at least one) move from the validation set into
// training, with their image label only (masks dropped); the test set stays the unsupervised models' test set.
// Last, the caps (--max-train, --max-test) keep a seeded subset of the normal training images, of the validation set
// and of the test set. The moves come first, so no cap can put an image in two sets.

import { DataError } from './errors.ts';
import { keyedRng, permutation, subset } from './random.ts';
import type { Sample, Split, SplitSamples } from './sample.ts';

/** Share of each class of a one-class training file that validates. */
export const VALIDATION_SHARE_OF_TRAINING = 0.1;
/** Share of each group of a test side that validates. */
export const VALIDATION_SHARE_OF_TEST = 0.25;
/** The paper's weakly supervised share of the anomalous images. */
export const WEAK_FRACTION = 0.02;

export interface SplitOptions {
  /** The data seed. */
  seed: number;
  /** Move a few labelled anomalies into training (the paper's weakly supervised setting). */
  weaklySupervised?: boolean;
  /** At most this many normal training images. */
  maxTrain?: number;
  /** At most this many validation images, and this many test images. */
  maxTest?: number;
}

/**
 * A seeded share of each group of samples (same `defect`), in their original order, and the rest; with `keepOne`, at
 * least one of every group stays in the rest.
 */
function shareOfEachGroup(samples: readonly Sample[], share: number, seed: number, keepOne: boolean) {
  const groups = new Map<string, number[]>();
  samples.forEach((s, i) => {
    const group = groups.get(s.defect);
    if (group) group.push(i);
    else groups.set(s.defect, [i]);
  });
  const chosen = new Set<number>();
  for (const [defect, members] of groups) {
    const n = Math.min(Math.round(share * members.length), keepOne ? members.length - 1 : members.length);
    for (const k of permutation(members.length, keyedRng(seed, 'validation', defect)).subarray(0, n))
      chosen.add(members[k]);
  }
  return {
    chosen: samples.filter((_, i) => chosen.has(i)),
    rest: samples.filter((_, i) => !chosen.has(i)),
  };
}

/** The three sets before the weakly supervised move and the caps. */
function threeWay({ train, test }: SplitSamples, seed: number): Split {
  if (train.some((s) => s.label === 1)) {
    const { chosen, rest } = shareOfEachGroup(train, VALIDATION_SHARE_OF_TRAINING, seed, false);
    return { train: rest.filter((s) => s.label === 0), validation: chosen, test };
  }
  const { chosen, rest } = shareOfEachGroup(test, VALIDATION_SHARE_OF_TEST, seed, true);
  return { train, validation: chosen, test: rest };
}

/**
 * The paper's weakly supervised setting on a split: `fraction` of the anomalous validation and test images (at least
 * one), chosen by seed among the validation set's, move into training with their image label only.
 */
export function weaklySupervisedSplit(split: Split, { fraction = WEAK_FRACTION, seed = 0 } = {}): Split {
  const candidates = split.validation.flatMap((s, i) => (s.label === 1 ? [i] : []));
  const anomalous = candidates.length + split.test.filter((s) => s.label === 1).length;
  if (anomalous === 0)
    throw new DataError('weakly supervised split: the dataset has no anomalous images to move into training');
  const n = Math.max(1, Math.round(fraction * anomalous));
  if (candidates.length < n)
    throw new DataError(
      `weakly supervised split: ${n} anomalous image(s) should move into training, but the validation set has ${candidates.length}`,
    );
  const moved = new Set(
    [...permutation(candidates.length, keyedRng(seed, 'weak-split')).subarray(0, n)].map((k) => candidates[k]),
  );
  return {
    train: [
      ...split.train,
      ...split.validation.filter((_, i) => moved.has(i)).map((s) => ({ ...s, maskPath: null, mask: undefined })),
    ],
    validation: split.validation.filter((_, i) => !moved.has(i)),
    test: split.test,
  };
}

/** A source's samples as train / validation / test (see the top of this file). */
export function splitSamples(source: SplitSamples, o: SplitOptions): Split {
  const three = threeWay(source, o.seed);
  const split = o.weaklySupervised ? weaklySupervisedSplit(three, { seed: o.seed }) : three;
  return {
    train: [
      ...subset(
        split.train.filter((s) => s.label === 0),
        o.maxTrain,
        `${o.seed}/max-train`,
      ),
      ...split.train.filter((s) => s.label === 1),
    ],
    validation: subset(split.validation, o.maxTest, `${o.seed}/max-validation`),
    test: subset(split.test, o.maxTest, `${o.seed}/max-test`),
  };
}
