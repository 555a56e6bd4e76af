// BatchNorm2d: batch statistics and a running-statistics update in training, running statistics in eval, as in PyTorch.

import '../../devices.ts'; // registers the backends: this module makes tensors on the default device
import { defaultGenerator, full, type Generator } from '../../tensor/creation.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { batchNorm } from '../functional/normalization.ts';
import { normal, type InitScheme } from '../init.ts';
import { Module } from '../module.ts';

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  /** 'torch' (default): weight 1, bias 0; 'dcgan': weight N(1, 0.02), bias 0. */
  init?: InitScheme;
  generator?: Generator;
}

export class BatchNorm2d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly numBatchesTracked: Tensor;

  constructor(
    readonly numFeatures: number,
    readonly options: BatchNormOptions = {},
  ) {
    super();
    const affine = options.affine ?? true;
    const dcgan = options.init === 'dcgan';
    this.weight = affine
      ? this.registerParameter(
          'weight',
          dcgan ? normal([numFeatures], 1, 0.02, options.generator ?? defaultGenerator) : full([numFeatures], 1),
        )
      : null;
    this.bias = affine ? this.registerParameter('bias', full([numFeatures], 0)) : null;
    this.runningMean = this.registerBuffer('running_mean', full([numFeatures], 0));
    this.runningVar = this.registerBuffer('running_var', full([numFeatures], 1));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', full([], 0));
  }

  forward(x: Tensor): Tensor {
    return this.forwardLeakyRelu(x, null);
  }

  /**
   * This layer followed by LeakyReLU(negativeSlope) (none when null), the activation inside batch norm's kernels in
   * training: Sequential runs such a pair through here.
   */
  forwardLeakyRelu(x: Tensor, negativeSlope: number | null): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.numFeatures)
      throw new Error(
        `BatchNorm2d(${this.numFeatures}): expected input [n, ${this.numFeatures}, h, w], got [${x.shape.join(', ')}]`,
      );
    return batchNorm(
      x,
      this.runningMean,
      this.runningVar,
      this.weight,
      this.bias,
      this.training,
      this.options.momentum ?? 0.1,
      this.options.eps ?? 1e-5,
      this.numBatchesTracked,
      negativeSlope,
    );
  }
}
