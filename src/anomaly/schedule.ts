// Deterministic batch order: epoch e is a permutation of the training set fixed by (seed, e), so a run resumed at step s
// draws the same batches as an uninterrupted one.

import { keyedRng, permutation } from './data/random.ts';

/** Indices of the training examples in batch `step` (batches never straddle epochs; the short tail is dropped). */
export function batchIndices(n: number, batchSize: number, seed: number, step: number): number[] {
  if (n < 1) throw new Error('batchIndices: the training set is empty');
  const size = Math.min(batchSize, n);
  const perEpoch = Math.floor(n / size);
  const epoch = Math.floor(step / perEpoch);
  const start = (step % perEpoch) * size;
  return Array.from(permutation(n, keyedRng(seed, 'epoch', epoch)).subarray(start, start + size));
}
