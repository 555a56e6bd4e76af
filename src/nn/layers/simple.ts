// Parameter-free layers: activations, flatten, pooling and up-sampling, as modules.

import { flatten, leakyRelu, maxPool2d, relu, sigmoid, tanh, type Pair } from '../../autograd/index.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { interpolate, type InterpolateOptions } from '../functional/interpolate.ts';
import { Module } from '../module.ts';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
}

export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly stride: Pair | null = null,
    readonly padding: Pair = 0,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.stride, this.padding);
  }
}

export class Upsample extends Module {
  constructor(readonly options: InterpolateOptions) {
    super();
  }

  forward(x: Tensor): Tensor {
    return interpolate(x, this.options);
  }
}
