// torchvision's ResNet BasicBlock: conv3x3-bn-relu-conv3x3-bn plus the identity (or a 1x1 conv + bn when the shape
// changes), then relu. Names match torchvision (conv1, bn1, conv2, bn2, downsample.0, downsample.1).

import { add, relu } from '../../autograd/index.ts';
import type { Generator } from '../../tensor/creation.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { Module } from '../module.ts';
import { BatchNorm2d } from './batchnorm.ts';
import { Conv2d } from './conv.ts';
import { Sequential } from './sequential.ts';

export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inChannels: number, outChannels: number, stride = 1, generator?: Generator) {
    super();
    this.conv1 = this.registerModule(
      'conv1',
      new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, bias: false, generator }),
    );
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(outChannels));
    this.conv2 = this.registerModule(
      'conv2',
      new Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false, generator }),
    );
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(outChannels));
    this.downsample =
      stride !== 1 || inChannels !== outChannels
        ? this.registerModule(
            'downsample',
            new Sequential(
              new Conv2d(inChannels, outChannels, 1, { stride, bias: false, generator }),
              new BatchNorm2d(outChannels),
            ),
          )
        : null;
  }

  forward(x: Tensor): Tensor {
    const h = this.bn2.forward(this.conv2.forward(relu(this.bn1.forward(this.conv1.forward(x)))));
    return relu(add(h, this.downsample ? this.downsample.forward(x) : x));
  }
}
