// Initialisers: PyTorch's layer defaults and DC-GAN's, drawn from a seeded Generator.

import '../devices.ts'; // registers the backends: this module makes tensors on the default device
import { addScalar, mulScalar } from '../autograd/index.ts';
import { defaultGenerator, full, rand, randn, type Generator } from '../tensor/creation.ts';
import { noGrad } from '../autograd/graph.ts';
import { tidy } from '../tensor/memory.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** fan_in as PyTorch computes it: size(1) * receptive field (for transposed conv weights [in, out, kh, kw] that is out*kh*kw). */
export function fanIn(shape: readonly number[]): number {
  if (shape.length < 2) throw new Error(`fanIn: needs at least 2 dimensions, got [${shape.join(', ')}]`);
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

export function uniform(
  shape: readonly number[],
  low: number,
  high: number,
  generator: Generator = defaultGenerator,
): Tensor {
  return noGrad(() => tidy(() => addScalar(mulScalar(rand(shape, { generator }), high - low), low)));
}

export function normal(
  shape: readonly number[],
  mean: number,
  std: number,
  generator: Generator = defaultGenerator,
): Tensor {
  return noGrad(() => tidy(() => addScalar(mulScalar(randn(shape, { generator }), std), mean)));
}

export const constant = (shape: readonly number[], value: number) => full(shape, value);

/**
 * PyTorch's default for Conv2d, ConvTranspose2d and Linear weights: kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in),
 * 1/sqrt(fan_in)); biases use the same bound.
 */
export function torchDefaultBound(weightShape: readonly number[]): number {
  return 1 / Math.sqrt(fanIn(weightShape));
}

export type InitScheme = 'torch' | 'dcgan';
