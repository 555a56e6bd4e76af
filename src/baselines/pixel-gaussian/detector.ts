// The per-pixel Gaussian (model.ts) as a detector: no learning at all, so what a model must beat. fit() reads the
// training images three times: the means, then the spreads and the colour covariance around them, then the largest raw
// map value over the training images (the map's scale). Sums are reduced on the device batch by batch and accumulated
// on the host in float64.

import { add, div, max, reshape, square, sub, sum } from '../../autograd/ops/index.ts';
import { bmm } from '../../autograd/ops/matmul.ts';
import { noGrad } from '../../autograd/graph.ts';
import type { TrainingData } from '../../anomaly/batch.ts';
import type { DetectorAnalysis } from '../../anomaly/detector.ts';
import { SPREAD_FLOOR } from '../../anomaly/pixel-calibration.ts';
import type { DecodedSafetensors } from '../../nn/safetensors-format.ts';
import { tensor } from '../../tensor/creation.ts';
import { tidy } from '../../tensor/memory.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { Baseline, baselineKind, type BaselineConfig } from '../baseline.ts';
import { symmetricEigen } from '../symmetric-eigen.ts';
import { accumulate, eachBatch } from '../training-passes.ts';
import { PixelGaussianModel } from './model.ts';

export type PixelGaussianConfig = BaselineConfig;

/** The floor's own floor, for training images that do not vary at all. */
const MIN_SPREAD = 1e-6;

/** Reads a device reduction back into a float64 total, and frees it. */
async function addInto(total: Float64Array, reduced: Tensor): Promise<void> {
  accumulate(total, await reduced.data());
  reduced.dispose();
}

export class PixelGaussianDetector extends Baseline<PixelGaussianConfig> {
  readonly model: PixelGaussianModel;
  readonly needsCalibration = false;

  constructor(config: PixelGaussianConfig) {
    super(config);
    this.model = new PixelGaussianModel(config.imageSize, config.channels);
  }

  describe(): string {
    const { imageSize: s, channels: c } = this;
    return `per-pixel Gaussian, ${s}x${s}x${c}${this.fitted ? '' : ', not fitted'}`;
  }

  async fit(data: TrainingData): Promise<void> {
    if (data.count < 2) throw new Error(`pixel-gaussian: needs at least 2 training images, got ${data.count}`);
    this.fitted = false;
    await this.fitMeans(data);
    await this.fitSpreads(data);
    await this.fitThreshold(data);
    this.fitted = true;
  }

  private get values(): number {
    return this.channels * this.imageSize * this.imageSize;
  }

  /** The mean per position and channel, and the mean colour. */
  private async fitMeans(data: TrainingData): Promise<void> {
    const { channels: c, values } = this;
    const plane = values / c;
    const totals = new Float64Array(values);
    await eachBatch(data, values, (images) =>
      addInto(
        totals,
        tidy(() => sum(images, 0)),
      ),
    );
    const mean = totals.map((v) => v / data.count);
    const colourMean = Float32Array.from({ length: c }, (_, k) => {
      let total = 0;
      for (let p = 0; p < plane; p++) total += mean[k * plane + p];
      return total / plane;
    });
    const m = this.model;
    tidy(() => {
      m.mean.copy_(tensor(Float32Array.from(mean), m.mean.shape));
      m.colourMean.copy_(tensor(colourMean, m.colourMean.shape));
    });
  }

  /** Around the means: the spread per position and channel, and the whitening of the colour covariance. */
  private async fitSpreads(data: TrainingData): Promise<void> {
    const { channels: c, values } = this;
    const plane = values / c;
    const n = data.count;
    const m = this.model;
    const squares = new Float64Array(values);
    const scatter = new Float64Array(c * c);
    await eachBatch(data, values, async (images) => {
      const [deviations, colours] = tidy(() => {
        const colour = reshape(sub(images, m.colourMean), [images.shape[0], c, plane]); // per image, [c, plane]
        return [sum(square(sub(images, m.mean)), 0), sum(bmm(colour, colour, false, true), 0)];
      });
      await addInto(squares, deviations);
      await addInto(scatter, colours);
    });
    const floor = Math.max(SPREAD_FLOOR * Math.sqrt(squares.reduce((a, v) => a + v / n, 0) / values), MIN_SPREAD);
    const spread = Float32Array.from(squares, (v) => Math.sqrt(v / n) + floor);
    const { values: variances, vectors } = symmetricEigen(
      scatter.map((v) => v / (n * plane)),
      c,
    );
    // The covariance plus floor^2 on its diagonal (a ridge): colour directions that never vary get a spread too.
    const colourFloor = Math.max(
      SPREAD_FLOOR * Math.sqrt(variances.reduce((a, v) => a + Math.max(v, 0), 0) / c),
      MIN_SPREAD,
    );
    const whitening = new Float32Array(c * c);
    vectors.forEach((q, i) => {
      const along = Math.sqrt(Math.max(variances[i], 0) + colourFloor ** 2);
      q.forEach((x, k) => (whitening[i * c + k] = x / along));
    });
    tidy(() => {
      m.spread.copy_(tensor(spread, m.spread.shape));
      m.whitening.copy_(tensor(whitening, m.whitening.shape));
    });
  }

  /** The map's scale: its most extreme value over the training images. */
  private async fitThreshold(data: TrainingData): Promise<void> {
    const m = this.model;
    let threshold = 0;
    await eachBatch(data, this.values, async (images) => {
      const largest = tidy(() => max(m.forward(images)));
      threshold = Math.max(threshold, await largest.item());
      largest.dispose();
    });
    tidy(() => {
      m.threshold.copy_(tensor([Math.max(threshold, 1e-6)], []));
      m.images.copy_(tensor([data.count], []));
    });
  }

  analyze(images: Tensor): DetectorAnalysis {
    this.requireFitted();
    return tidy(() =>
      noGrad(() => {
        const raw = this.model.forward(images);
        return {
          score: max(raw, [1, 2, 3]),
          map: div(raw, add(raw, this.model.threshold)),
          reconstruction: null,
          attention: null,
        };
      }),
    );
  }

  async scoreScale(): Promise<string> {
    const [t, n] = await Promise.all([this.model.threshold.item(), this.model.images.item()]);
    return `scores are distances from the normal images in units of their spread; the most extreme of the ${n} training images reached ${t.toFixed(2)} (heatmap 0.5)`;
  }

  checkpointState() {
    return { model: this.model };
  }

  restored(decoded: DecodedSafetensors): void {
    this.fitted = decoded.tensors.images.data[0] > 0;
  }
}

export const pixelGaussianKind = baselineKind<PixelGaussianConfig>({
  name: 'pixel-gaussian',
  settings: {},
  ownConfig: () => ({}),
  create: (config) => new PixelGaussianDetector(config),
});
