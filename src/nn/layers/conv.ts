// Conv2d and ConvTranspose2d with PyTorch's parameter names, layouts and default initialisation.

import { conv2d, convTranspose2d, type Pair } from '../../autograd/index.ts';
import { defaultGenerator, type Generator } from '../../tensor/creation.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { constant, normal, torchDefaultBound, uniform, type InitScheme } from '../init.ts';
import { Module } from '../module.ts';

export interface ConvOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  bias?: boolean;
  /** 'torch' (default): PyTorch's kaiming-uniform; 'dcgan': weights N(0, 0.02), bias 0. */
  init?: InitScheme;
  generator?: Generator;
}

function initWeights(shape: number[], biasSize: number, options: ConvOptions): { weight: Tensor; bias: Tensor | null } {
  const g = options.generator ?? defaultGenerator;
  const bound = torchDefaultBound(shape);
  const dcgan = options.init === 'dcgan';
  const weight = dcgan ? normal(shape, 0, 0.02, g) : uniform(shape, -bound, bound, g);
  const bias = options.bias === false ? null : dcgan ? constant([biasSize], 0) : uniform([biasSize], -bound, bound, g);
  return { weight, bias };
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: Pair,
    readonly options: ConvOptions = {},
  ) {
    super();
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    const { weight, bias } = initWeights([outChannels, inChannels, kh, kw], outChannels, options);
    this.weight = this.registerParameter('weight', weight);
    this.bias = bias && this.registerParameter('bias', bias);
  }

  forward(x: Tensor): Tensor {
    const o = this.options;
    return conv2d(x, this.weight, this.bias, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1);
  }
}

export interface ConvTransposeOptions extends ConvOptions {
  outputPadding?: Pair;
}

export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  /** weight [in, out, kh, kw], as in PyTorch. */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: Pair,
    readonly options: ConvTransposeOptions = {},
  ) {
    super();
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    const { weight, bias } = initWeights([inChannels, outChannels, kh, kw], outChannels, options);
    this.weight = this.registerParameter('weight', weight);
    this.bias = bias && this.registerParameter('bias', bias);
  }

  forward(x: Tensor): Tensor {
    const o = this.options;
    return convTranspose2d(
      x,
      this.weight,
      this.bias,
      o.stride ?? 1,
      o.padding ?? 0,
      o.outputPadding ?? 0,
      1,
      o.dilation ?? 1,
    );
  }
}
