// A detector that is not CAVGA, for the tests of what every detector shares: fitted in one pass (the mean training
// image), map = the channel-mean |x - mean| / 2 (in [0, 1] for images in [-1, 1]), score = the map's maximum, the mean
// image as its reconstruction, no attention, no calibration, no second protocol. Small enough that a test can compute
// all of it again by hand.

import { abs, add, max, mean, mulScalar, sub } from '../../src/autograd/ops/index.ts';
import { noGrad } from '../../src/autograd/graph.ts';
import type { TrainingData } from '../../src/anomaly/batch.ts';
import type { DetectorAnalysis, DetectorKind, OnePassDetector } from '../../src/anomaly/detector.ts';
import { restoreCheckpoint } from '../../src/nn/checkpoint-state.ts';
import { Module } from '../../src/nn/module.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { tidy } from '../../src/tensor/memory.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';

export interface MeanImageConfig {
  detector: 'mean-image';
  imageSize: number;
  channels: 1 | 3;
  seed: number;
}

class MeanImage extends Module {
  readonly image: Tensor;
  constructor(c: MeanImageConfig) {
    super();
    const shape = [1, c.channels, c.imageSize, c.imageSize];
    this.image = this.registerBuffer('image', tensor(new Float32Array(shape.reduce((a, b) => a * b)), shape));
  }

  /** The anomaly map [n, 1, s, s] of images [n, c, s, s]. */
  forward(images: Tensor): Tensor {
    return mulScalar(mean(abs(sub(images, this.image)), 1, true), 0.5);
  }
}

export class MeanImageDetector implements OnePassDetector {
  readonly training = 'one-pass';
  readonly supervision = 'unsupervised';
  readonly scoring = {};
  readonly needsCalibration = false;
  readonly paperProtocol = null;
  readonly module: MeanImage;

  constructor(readonly config: MeanImageConfig) {
    this.module = new MeanImage(config);
  }
  get imageSize() {
    return this.config.imageSize;
  }
  get channels() {
    return this.config.channels;
  }
  get seed() {
    return this.config.seed;
  }

  describe(): string {
    return `mean image, ${this.imageSize}x${this.imageSize}x${this.channels}`;
  }

  setScoring(values: Record<string, unknown>): void {
    const given = Object.keys(values).filter((k) => values[k] !== undefined);
    if (given.length) throw new Error(`mean image: no scoring settings (got ${given.join(', ')})`);
  }

  async fit(data: TrainingData): Promise<void> {
    const batch = data.batch(Array.from({ length: data.count }, (_, i) => i));
    tidy(() => this.module.image.copy_(mean(batch.images, 0, true)));
    batch.images.dispose();
    await this.module.image.data();
  }

  analyze(images: Tensor): DetectorAnalysis {
    return tidy(() =>
      noGrad(() => {
        const map = this.module.forward(images);
        const reconstruction = add(mulScalar(images, 0), this.module.image); // the mean image, once per input
        return { score: max(map, [1, 2, 3]), map, reconstruction, attention: null };
      }),
    );
  }

  checkpointState() {
    return { model: this.module };
  }
}

export const meanImageKind: DetectorKind = {
  training: 'one-pass',
  settings: {},
  scoringSettings: {},
  configure: ({ imageSize, channels, seed }) => ({
    config: { detector: 'mean-image', imageSize, channels, seed },
    imageSize,
    channels,
    supervision: 'unsupervised',
    seed,
  }),
  create: (config) => new MeanImageDetector(config as MeanImageConfig),
  reads: (config) => (config as MeanImageConfig | null)?.detector === 'mean-image',
  fromCheckpoint: (decoded, source) => {
    const detector = new MeanImageDetector(JSON.parse(decoded.metadata.config!) as MeanImageConfig);
    return { detector, step: restoreCheckpoint(decoded, detector.checkpointState(), source).step };
  },
};
