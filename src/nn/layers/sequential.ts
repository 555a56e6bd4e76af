// Sequential: children named 0, 1, 2, ... as in PyTorch, so state-dict names match (`encoder.0.weight`).

import type { Tensor } from '../../tensor/tensor.ts';
import { Module } from '../module.ts';

export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }

  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, m) => m.forward(h), x);
  }
}
