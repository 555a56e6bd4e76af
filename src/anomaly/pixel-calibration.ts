// Per-pixel statistics of a trained model's error map over normal training images, kept with the model (buffers
// `calibration.*` in its checkpoint; cavga/calibration.ts computes them). A map standardised by them is in units of the
// normal images' own spread at each pixel, so error the model makes on every normal image (an object's fine grooves, its
// jittered edges) stops looking anomalous, while error where normal images agree with their reconstructions stands out.

import { add, div, relu, sub } from '../autograd/ops/index.ts';
import { tensor } from '../tensor/creation.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from '../nn/module.ts';
import type { TensorValues } from '../nn/safetensors-format.ts';

/** The buffers of a calibration not yet computed: mean 0, spread 1, threshold 1, no images. */
export function emptyCalibration(side: number): Record<'mean' | 'spread' | 'threshold' | 'images', TensorValues> {
  const filled = (shape: number[], value: number) => ({
    shape,
    data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value),
  });
  return {
    mean: filled([1, 1, side, side], 0),
    spread: filled([1, 1, side, side], 1),
    threshold: filled([], 1),
    images: filled([], 0),
  };
}

export class ErrorCalibration extends Module {
  /** [1, 1, s, s]: the mean of the raw map over the calibration images. */
  readonly mean: Tensor;
  /** [1, 1, s, s]: its standard deviation plus a tenth of the image's root-mean-square deviation (no division by ~0). */
  readonly spread: Tensor;
  /** []: the largest standardised value over the calibration images; the scaled map is 0.5 there. */
  readonly threshold: Tensor;
  /** []: how many images the statistics come from; 0 until calibrated. */
  readonly images: Tensor;
  /** Whether the buffers hold statistics (set by calibrate() and by loading a calibrated checkpoint). */
  calibrated = false;

  constructor(readonly side: number) {
    super();
    const empty = emptyCalibration(side);
    const buffer = (name: keyof typeof empty) => this.registerBuffer(name, tensor(empty[name].data, empty[name].shape));
    this.mean = buffer('mean');
    this.spread = buffer('spread');
    this.threshold = buffer('threshold');
    this.images = buffer('images');
  }

  /** The raw map [n, 1, s, s] standardised: (raw - mean) / spread. */
  forward(raw: Tensor): Tensor {
    return div(sub(raw, this.mean), this.spread);
  }

  /** A standardised map scaled into [0, 1): z+ / (z+ + threshold), so 0.5 marks the most extreme calibration pixel. */
  scale(standardised: Tensor): Tensor {
    const positive = relu(standardised);
    return div(positive, add(positive, this.threshold));
  }
}
