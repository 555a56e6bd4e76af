// CAVGA-R's parts: a ResNet-18 encoder with torchvision's names (so torchvision's resnet18 weights load by name) and a
// residual up-sampling decoder in the style of BigGAN's generator blocks.

import { add, maxPool2d, relu } from '../../autograd/ops/index.ts';
import type { Generator } from '../../tensor/creation.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { interpolate } from '../../nn/functional/interpolate.ts';
import { BasicBlock, BatchNorm2d, Conv2d, Module, Sequential, Tanh } from '../../nn/index.ts';

/**
 * ResNet-18 up to layer4, image -> F [n, 512, s/8, s/8]. layer3 and layer4 keep stride 1 (their weights have the same
 * shapes), so the latent map stays at 1/8 of the input as in CAVGA-D: at 64x64 a stride-32 map would be 2x2.
 */
export class ResNet18Encoder extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly layers: Sequential[];
  readonly outChannels = 512;

  constructor(channels: number, g?: Generator) {
    super();
    this.conv1 = this.registerModule(
      'conv1',
      new Conv2d(channels, 64, 7, { stride: 2, padding: 3, bias: false, generator: g }),
    );
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(64));
    const stage = (cin: number, cout: number, stride: number) =>
      new Sequential(new BasicBlock(cin, cout, stride, g), new BasicBlock(cout, cout, 1, g));
    this.layers = [stage(64, 64, 1), stage(64, 128, 2), stage(128, 256, 1), stage(256, 512, 1)];
    this.layers.forEach((l, i) => this.registerModule(`layer${i + 1}`, l));
  }

  forward(x: Tensor): Tensor {
    const stem = maxPool2d(relu(this.bn1.forward(this.conv1.forward(x))), 3, 2, 1);
    return this.layers.reduce((h, layer) => layer.forward(h), stem);
  }
}

/** BN-ReLU-upsample-conv3x3-BN-ReLU-conv3x3, plus an upsampled 1x1-conv shortcut: doubles the side. */
class UpBlock extends Module {
  readonly bn1: BatchNorm2d;
  readonly conv1: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly shortcut: Conv2d;

  constructor(cin: number, cout: number, g?: Generator) {
    super();
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(cin));
    this.conv1 = this.registerModule('conv1', new Conv2d(cin, cout, 3, { padding: 1, generator: g }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(cout));
    this.conv2 = this.registerModule('conv2', new Conv2d(cout, cout, 3, { padding: 1, generator: g }));
    this.shortcut = this.registerModule('shortcut', new Conv2d(cin, cout, 1, { generator: g }));
  }

  forward(x: Tensor): Tensor {
    const up = (t: Tensor) => interpolate(t, { scaleFactor: 2, mode: 'nearest' });
    const h = this.conv2.forward(relu(this.bn2.forward(this.conv1.forward(up(relu(this.bn1.forward(x)))))));
    return add(h, this.shortcut.forward(up(x)));
  }
}

/** Latent map [n, cz, s/8, s/8] -> image [n, c, s, s] in [-1, 1]. */
export class ResidualDecoder extends Module {
  readonly blocks: Sequential;
  readonly bn: BatchNorm2d;
  readonly out: Sequential;

  constructor(latentChannels: number, channels: number, width: number, g?: Generator) {
    super();
    this.blocks = this.registerModule(
      'blocks',
      new Sequential(
        new UpBlock(latentChannels, 4 * width, g),
        new UpBlock(4 * width, 2 * width, g),
        new UpBlock(2 * width, width, g),
      ),
    );
    this.bn = this.registerModule('bn', new BatchNorm2d(width));
    this.out = this.registerModule(
      'out',
      new Sequential(new Conv2d(width, channels, 3, { padding: 1, generator: g }), new Tanh()),
    );
  }

  forward(z: Tensor): Tensor {
    return this.out.forward(relu(this.bn.forward(this.blocks.forward(z))));
  }
}
