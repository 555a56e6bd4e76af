// DC-GAN bodies (Radford et al.): the encoder is the discriminator's body (conv 4x4 stride 2, batch norm, leaky ReLU 0.2),
// the decoder the generator (transposed conv 4x4 stride 2, batch norm, ReLU, tanh out). DC-GAN's initialisation throughout.

import { reshape } from '../../autograd/ops/index.ts';
import type { Generator } from '../../tensor/creation.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { BatchNorm2d, Conv2d, ConvTranspose2d, LeakyReLU, Module, ReLU, Sequential, Tanh } from '../../nn/index.ts';

const down = (cin: number, cout: number, bn: boolean, g?: Generator): Module[] => [
  new Conv2d(cin, cout, 4, { stride: 2, padding: 1, bias: !bn, init: 'dcgan', generator: g }),
  ...(bn ? [new BatchNorm2d(cout, { init: 'dcgan', generator: g })] : []),
  new LeakyReLU(0.2),
];

/** Image [n, c, s, s] -> features F [n, 4w, s/8, s/8]. */
export class DcganEncoder extends Module {
  readonly body: Sequential;
  readonly outChannels: number;

  constructor(channels: number, width: number, g?: Generator) {
    super();
    this.body = this.registerModule(
      'body',
      new Sequential(
        ...down(channels, width, false, g),
        ...down(width, 2 * width, true, g),
        ...down(2 * width, 4 * width, true, g),
      ),
    );
    this.outChannels = 4 * width;
  }

  forward(x: Tensor): Tensor {
    return this.body.forward(x);
  }
}

/** Latent map [n, cz, s/8, s/8] -> image [n, c, s, s] in [-1, 1]. */
export class DcganDecoder extends Module {
  readonly body: Sequential;

  constructor(latentChannels: number, channels: number, width: number, g?: Generator) {
    super();
    const up = (cin: number, cout: number): Module[] => [
      new ConvTranspose2d(cin, cout, 4, { stride: 2, padding: 1, bias: false, init: 'dcgan', generator: g }),
      new BatchNorm2d(cout, { init: 'dcgan', generator: g }),
      new ReLU(),
    ];
    this.body = this.registerModule(
      'body',
      new Sequential(
        new Conv2d(latentChannels, 4 * width, 3, { padding: 1, bias: false, init: 'dcgan', generator: g }),
        new BatchNorm2d(4 * width, { init: 'dcgan', generator: g }),
        new ReLU(),
        ...up(4 * width, 2 * width),
        ...up(2 * width, width),
        new ConvTranspose2d(width, channels, 4, { stride: 2, padding: 1, init: 'dcgan', generator: g }),
        new Tanh(),
      ),
    );
  }

  forward(z: Tensor): Tensor {
    return this.body.forward(z);
  }
}

/** DC-GAN discriminator: image -> one logit per image ([n]). Four stride-2 convs, then a conv over the s/16 map. */
export class Discriminator extends Module {
  readonly body: Sequential;

  constructor(channels: number, width: number, imageSize: number, g?: Generator) {
    super();
    this.body = this.registerModule(
      'body',
      new Sequential(
        ...down(channels, width, false, g),
        ...down(width, 2 * width, true, g),
        ...down(2 * width, 4 * width, true, g),
        ...down(4 * width, 8 * width, true, g),
        new Conv2d(8 * width, 1, imageSize / 16, { init: 'dcgan', generator: g }),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    return reshape(this.body.forward(x), [x.shape[0]]);
  }
}
