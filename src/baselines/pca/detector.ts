// PCA as a detector: a linear model of the normal images, fitted in one pass and no gradient step, so the least a
// learned model of the normal pattern must beat. Its reconstruction error is scored as CAVGA's default scoring scores
// its own: standardised per pixel by the error's mean and spread over normal training images (the calibration), the
// image score its largest value, the map scaled into [0, 1) by the calibration's most extreme value.

import { clamp, max } from '../../autograd/ops/index.ts';
import { noGrad } from '../../autograd/graph.ts';
import type { TrainingData } from '../../anomaly/batch.ts';
import type { DetectorAnalysis } from '../../anomaly/detector.ts';
import type { DecodedSafetensors } from '../../nn/safetensors-format.ts';
import { tensor } from '../../tensor/creation.ts';
import { tidy } from '../../tensor/memory.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { Baseline, baselineKind, type BaselineConfig } from '../baseline.ts';
import { BINDING_VALUES } from '../training-passes.ts';
import { PcaModel } from './model.ts';
import { OVERSAMPLING, principalComponents } from './principal-components.ts';

export interface PcaConfig extends BaselineConfig {
  /** How many principal directions reconstruct an image. */
  components: number;
}

export class PcaDetector extends Baseline<PcaConfig> {
  readonly model: PcaModel;
  /** Directions the training images gave (fewer than asked when they span fewer). */
  private found = 0;

  constructor(config: PcaConfig) {
    super(config);
    this.model = new PcaModel(config.imageSize, config.channels, config.components);
  }

  describe(): string {
    const { imageSize: s, channels: c, config } = this;
    const fitted = this.fitted ? (this.found < config.components ? `, ${this.found} found` : '') : ', not fitted';
    return `PCA reconstruction error, ${config.components} components${fitted}, ${s}x${s}x${c}`;
  }

  get needsCalibration(): boolean {
    return !this.model.calibration.calibrated;
  }

  async fit(data: TrainingData): Promise<void> {
    const { model, config } = this;
    const d = config.channels * config.imageSize * config.imageSize;
    this.fitted = false;
    model.calibration.calibrated = false; // statistics of another fit's errors
    const { mean, components } = await principalComponents(data, d, config.components, config.seed);
    const rows = new Float32Array(config.components * d);
    components.forEach((u, e) => rows.set(u, e * d));
    tidy(() => {
      model.mean.copy_(tensor(Float32Array.from(mean), model.mean.shape));
      model.components.copy_(tensor(rows, model.components.shape));
      model.images.copy_(tensor([data.count], []));
    });
    this.found = components.length;
    this.fitted = true;
  }

  async calibrate(batches: Iterable<Tensor>): Promise<number> {
    this.requireFitted();
    const { model } = this;
    function* rawMaps() {
      for (const images of batches) {
        const raw = tidy(() => noGrad(() => model.forward(images, model.reconstruct(images))));
        images.dispose();
        yield raw; // read and disposed by fit()
      }
    }
    return model.calibration.fit(rawMaps());
  }

  scoreScale(): Promise<string> {
    return this.model.calibration.describeScale('PCA reconstruction errors');
  }

  analyze(images: Tensor): DetectorAnalysis {
    this.requireFitted();
    if (this.needsCalibration)
      throw new Error('pca: its scoring needs calibrating on normal images first (calibrate; cavga train does it)');
    const { model } = this;
    return tidy(() =>
      noGrad(() => {
        const reconstruction = model.reconstruct(images);
        const standardised = model.calibration.forward(model.forward(images, reconstruction));
        return {
          score: max(standardised, [1, 2, 3]),
          map: model.calibration.scale(standardised),
          reconstruction: clamp(reconstruction, -1, 1),
          attention: null,
        };
      }),
    );
  }

  checkpointState() {
    return { model: this.model };
  }

  restored(decoded: DecodedSafetensors): void {
    this.fitted = decoded.tensors.images.data[0] > 0;
    this.model.calibration.calibrated = decoded.tensors['calibration.images'].data[0] > 0;
    const rows = decoded.tensors.components.data;
    const d = rows.length / this.config.components;
    this.found = Array.from({ length: this.config.components }, (_, e) =>
      rows.subarray(e * d, (e + 1) * d).some((x) => x !== 0),
    ).filter(Boolean).length;
  }
}

export const pcaKind = baselineKind<PcaConfig>({
  name: 'pca',
  settings: {
    components: { type: 'integer', default: 32, min: 1, help: 'PCA: principal components that reconstruct an image' },
  },
  ownConfig: (values, { imageSize, channels }) => {
    const k = values.components as number;
    if (!Number.isInteger(k) || k < 1) throw new Error(`pca: components must be a whole number from 1, got ${k}`);
    // The basis of principal-components.ts, d x (k + oversampling), must fit one storage binding.
    if ((k + OVERSAMPLING) * channels * imageSize * imageSize > BINDING_VALUES)
      throw new Error(
        `pca: ${k} components of ${imageSize}x${imageSize}x${channels} images do not fit one 128 MiB buffer`,
      );
    return { components: k };
  },
  create: (config) => new PcaDetector(config),
});
