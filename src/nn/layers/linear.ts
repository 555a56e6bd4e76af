// Linear: y = x W^T + b with W [out, in], PyTorch's layout and default initialisation.

import { linear } from '../../autograd/index.ts';
import { defaultGenerator, type Generator } from '../../tensor/creation.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { torchDefaultBound, uniform } from '../init.ts';
import { Module } from '../module.ts';

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean; generator?: Generator } = {},
  ) {
    super();
    const g = options.generator ?? defaultGenerator;
    const bound = torchDefaultBound([outFeatures, inFeatures]);
    this.weight = this.registerParameter('weight', uniform([outFeatures, inFeatures], -bound, bound, g));
    this.bias =
      options.bias === false ? null : this.registerParameter('bias', uniform([outFeatures], -bound, bound, g));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
