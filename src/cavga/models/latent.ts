// Between the encoder's features F and the latent: a non-linear block (conv 3x3 + batch norm + leaky ReLU), then the mu
// and logvar heads. The block keeps Grad-CAM meaningful: with a linear path from F to the score, alpha = mean(dy/dF) would
// be the same for every image and the attention a fixed channel mix (docs/cavga-spec.md, "Pitfall").

import { add, reshape, slice } from '../../autograd/ops/index.ts';
import { noGrad } from '../../autograd/graph.ts';
import { tensor, type Generator } from '../../tensor/creation.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { tidy } from '../../tensor/memory.ts';
import { BatchNorm2d, Conv2d, Flatten, LeakyReLU, Linear, Module, Sequential } from '../../nn/index.ts';

export interface LatentShape {
  featureChannels: number;
  latentChannels: number;
  side: number; // of F and of the latent map
  flat: boolean; // ablation: a vector latent of latentChannels entries
}

export class LatentHead extends Module {
  readonly block: Sequential;
  readonly heads: Module; // mu and logvar side by side: 2 * latentChannels outputs

  /** `logvarBias` starts the logvar head's outputs there (CavgaConfig.logvarBias). */
  constructor(
    readonly shape: LatentShape,
    g?: Generator,
    logvarBias = 0,
  ) {
    super();
    const k = shape.featureChannels;
    this.block = this.registerModule(
      'block',
      new Sequential(
        new Conv2d(k, k, 3, { padding: 1, bias: false, init: 'dcgan', generator: g }),
        new BatchNorm2d(k, { init: 'dcgan', generator: g }),
        new LeakyReLU(0.2),
      ),
    );
    const cz = shape.latentChannels;
    const output = shape.flat
      ? new Linear(k * shape.side * shape.side, 2 * cz, { generator: g })
      : new Conv2d(k, 2 * cz, 1, { init: 'dcgan', generator: g });
    this.heads = this.registerModule('heads', shape.flat ? new Sequential(new Flatten(), output) : output);
    tidy(() =>
      noGrad(() => {
        output.bias!.copy_(
          add(output.bias!, tensor(Array.from({ length: 2 * cz }, (_, i) => (i < cz ? 0 : logvarBias)))),
        );
      }),
    );
  }

  /** mu and logvar: [n, cz, side, side], or [n, cz] for a flat latent. */
  distribution(features: Tensor): { mu: Tensor; logvar: Tensor } {
    const both = this.heads.forward(this.block.forward(features));
    const cz = this.shape.latentChannels;
    return { mu: slice(both, 1, 0, cz), logvar: slice(both, 1, cz, 2 * cz) };
  }

  forward(features: Tensor): Tensor {
    return this.distribution(features).mu;
  }
}

/** For the flat-latent ablation: a vector back to a [cz, side, side] map the decoder takes. */
export class LatentToMap extends Module {
  readonly linear: Linear;

  constructor(
    readonly shape: LatentShape,
    g?: Generator,
  ) {
    super();
    const { latentChannels: cz, side } = shape;
    this.linear = this.registerModule('linear', new Linear(cz, cz * side * side, { generator: g }));
  }

  forward(z: Tensor): Tensor {
    const { latentChannels: cz, side } = this.shape;
    return reshape(this.linear.forward(z), [z.shape[0], cz, side, side]);
  }
}
