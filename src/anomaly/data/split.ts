// The paper's weakly supervised setting: 2% of the anomalous test images (at least one), chosen by seed, move from the
// test set to the training set with their image label only; their masks are dropped, so training never sees a mask.

import { DataError } from './errors.ts';
import { keyedRng, permutation } from './random.ts';
import type { SplitSamples } from './sample.ts';

export function weaklySupervisedSplit({ train, test }: SplitSamples, { fraction = 0.02, seed = 0 } = {}): SplitSamples {
  const anomalous = test.flatMap((s, i) => (s.label === 1 ? [i] : []));
  if (anomalous.length === 0)
    throw new DataError('weakly supervised split: the test set has no anomalous images to move into training');
  const n = Math.min(anomalous.length, Math.max(1, Math.round(fraction * anomalous.length)));
  const moved = new Set(
    [...permutation(anomalous.length, keyedRng(seed, 'weak-split')).subarray(0, n)].map((k) => anomalous[k]),
  );
  return {
    train: [...train, ...test.filter((_, i) => moved.has(i)).map((s) => ({ ...s, maskPath: null, mask: undefined }))],
    test: test.filter((_, i) => !moved.has(i)),
  };
}
