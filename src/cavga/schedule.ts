// Deterministic batch order: epoch e is a seeded permutation of the training set, so a run resumed at step s draws the
// same batches as an uninterrupted one.

import { splitSeed, threefry2x32 } from '../tensor/random.ts';

/** A permutation of 0..n-1 (Fisher-Yates driven by Threefry on (epoch, i)). */
export function permutation(n: number, seed: number, epoch: number): number[] {
  const [k0, k1] = splitSeed(seed);
  const order = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const [w] = threefry2x32(k0, k1, i, epoch);
    const j = w % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Indices of the training examples in batch `step` (batches never straddle epochs; the short tail is dropped). */
export function batchIndices(n: number, batchSize: number, seed: number, step: number): number[] {
  if (n < 1) throw new Error('batchIndices: the training set is empty');
  const size = Math.min(batchSize, n);
  const perEpoch = Math.floor(n / size);
  const epoch = Math.floor(step / perEpoch);
  const start = (step % perEpoch) * size;
  return permutation(n, seed, epoch).slice(start, start + size);
}
