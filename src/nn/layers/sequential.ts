// Sequential: children named 0, 1, 2, ... as in PyTorch, so state-dict names match (`encoder.0.weight`). A BatchNorm2d
// directly followed by a ReLU or LeakyReLU runs as one op (the same values, two dispatches fewer a step).

import type { Tensor } from '../../tensor/tensor.ts';
import { Module } from '../module.ts';
import { BatchNorm2d } from './batchnorm.ts';
import { LeakyReLU, ReLU } from './simple.ts';

export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const [layer, next] = [this.layers[i], this.layers[i + 1]];
      // A batch norm followed by a (leaky) ReLU runs as one op: the activation inside batch norm's kernels.
      const slope = next instanceof ReLU ? 0 : next instanceof LeakyReLU ? next.negativeSlope : null;
      if (layer instanceof BatchNorm2d && slope !== null && slope >= 0) {
        h = layer.forwardLeakyRelu(h, slope);
        i++;
      } else h = layer.forward(h);
    }
    return h;
  }
}
