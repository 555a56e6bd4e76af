// The CAVGA model: encoder -> features F -> latent head (mu, logvar) -> z -> decoder, a DC-GAN discriminator, and for the
// weakly supervised variant a classifier on flattened z with two outputs (s_n, s_a).

import { add, exp, flatten, mul, mulScalar } from '../../autograd/ops/index.ts';
import { Generator } from '../../tensor/creation.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { Linear, Module } from '../../nn/index.ts';
import { latentSide, type CavgaConfig } from '../config.ts';
import { DcganDecoder, DcganEncoder, Discriminator } from './dcgan.ts';
import { PixelCalibration } from '../../anomaly/pixel-calibration.ts';
import { LatentCalibration } from '../latent-calibration.ts';
import { LatentHead, LatentToMap } from './latent.ts';
import { ResidualDecoder, ResNet18Encoder } from './resnet.ts';

export interface Encoded {
  features: Tensor; // F, the encoder's last conv block: Grad-CAM's target
  mu: Tensor;
  logvar: Tensor;
}

export class Cavga extends Module {
  readonly encoder: DcganEncoder | ResNet18Encoder;
  readonly head: LatentHead;
  readonly toMap: LatentToMap | null;
  readonly decoder: DcganDecoder | ResidualDecoder;
  readonly discriminator: Discriminator;
  readonly classifier: Linear | null;
  /** Statistics of the error map on normal training images, for standardised scoring (anomaly/pixel-calibration.ts). */
  readonly calibration: PixelCalibration;
  /** With a flat latent: the Gaussian of mu over normal training images, for the 'error-latent' score. */
  readonly latentCalibration: LatentCalibration | null;

  /** `generator` seeds the initial weights. */
  constructor(
    readonly config: CavgaConfig,
    generator = new Generator(0),
  ) {
    super();
    const c = config;
    const g = generator;
    this.encoder = this.registerModule(
      'encoder',
      c.backbone === 'dcgan' ? new DcganEncoder(c.channels, c.width, g) : new ResNet18Encoder(c.channels, g),
    );
    const shape = {
      featureChannels: this.encoder.outChannels,
      latentChannels: c.latentChannels,
      side: latentSide(c),
      flat: c.flatLatent,
    };
    this.head = this.registerModule('head', new LatentHead(shape, g, c.logvarBias));
    this.toMap = c.flatLatent ? this.registerModule('to_map', new LatentToMap(shape, g)) : null;
    this.decoder = this.registerModule(
      'decoder',
      c.backbone === 'dcgan'
        ? new DcganDecoder(c.latentChannels, c.channels, c.width, g)
        : new ResidualDecoder(c.latentChannels, c.channels, c.width, g),
    );
    this.discriminator = this.registerModule('discriminator', new Discriminator(c.channels, c.width, c.imageSize, g));
    const zSize = c.flatLatent ? c.latentChannels : c.latentChannels * shape.side * shape.side;
    this.classifier =
      c.supervision === 'weakly' ? this.registerModule('classifier', new Linear(zSize, 2, { generator: g })) : null;
    this.calibration = this.registerModule('calibration', new PixelCalibration(c.imageSize));
    this.latentCalibration = c.flatLatent
      ? this.registerModule('latent_calibration', new LatentCalibration(c.latentChannels))
      : null;
  }

  encode(x: Tensor): Encoded {
    const { imageSize: s, channels } = this.config;
    if (x.ndim !== 4 || x.shape[1] !== channels || x.shape[2] !== s || x.shape[3] !== s) {
      throw new Error(`CAVGA: expected images [n, ${channels}, ${s}, ${s}], got [${x.shape.join(', ')}]`);
    }
    const features = this.encoder.forward(x);
    return { features, ...this.head.distribution(features) };
  }

  /** z = mu + exp(logvar / 2) * eps (the reparameterisation); eps is standard normal noise of mu's shape. */
  reparameterize(mu: Tensor, logvar: Tensor, eps: Tensor): Tensor {
    return add(mu, mul(exp(mulScalar(logvar, 0.5)), eps));
  }

  decode(z: Tensor): Tensor {
    return this.decoder.forward(this.toMap ? this.toMap.forward(z) : z);
  }

  /** Logits [n, 2]: column 0 is s_n (normal), column 1 is s_a (anomalous). */
  classify(z: Tensor): Tensor {
    if (!this.classifier) throw new Error('CAVGA: the unsupervised model has no classifier');
    return this.classifier.forward(flatten(z, 1));
  }

  /** Reconstruction with z = mu (no sampling), as at test time. */
  forward(x: Tensor): Tensor {
    return this.decode(this.encode(x).mu);
  }

  /** Encoder, latent head, decoder and classifier: what the encoder/decoder optimiser updates. */
  generatorParameters(): Tensor[] {
    const d = new Set(this.discriminator.parameters());
    return this.parameters().filter((p) => !d.has(p));
  }
}
