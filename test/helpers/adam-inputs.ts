// Inputs for Adam's kernel tests: hyperparameters of a third step, and per parameter a value, a gradient and two states
// (the second a square, as Adam's is), uploaded to a backend in the primitive's argument order.

import type { Storage } from '../../src/tensor/backend.ts';
import { randomValues } from './backends.ts';

export const adamHyper = {
  lr: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  biasCorrection1: 1 - 0.9 ** 3,
  biasCorrection2: 1 - 0.999 ** 3,
};

/** params, grads, ms, vs for parameters of `sizes`, on `backend`; the same values every call. */
export function adamInputs(
  backend: { upload(values: Float32Array): Storage },
  sizes: number[],
): [Storage[], Storage[], Storage[], Storage[]] {
  const lists = [0, 1, 2, 3].map((j) =>
    sizes.map((n, k) => {
      const values = randomValues(n, 10 * k + j + 1);
      return backend.upload(j === 3 ? values.map((x) => x * x) : values);
    }),
  );
  return [lists[0], lists[1], lists[2], lists[3]];
}
