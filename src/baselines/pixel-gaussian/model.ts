// The per-pixel Gaussian's statistics and its map, as a module (buffers only, so a checkpoint holds them). Two distances
// of a pixel from the normal training images, in units of their spread:
// - per position and channel: |x - mean| / spread, the spread being the standard deviation at that position plus a
//   tenth of its root-mean-square over positions and channels (no division by ~0 where a pixel never changes; the same
//   floor as the calibration of reconstruction errors, anomaly/pixel-calibration.ts). The channels combine by their
//   maximum: a defect in one colour channel counts fully instead of being averaged away.
// - the global colour Mahalanobis distance: the pixel's colour against the mean colour and covariance of all training
//   pixels (a colour no normal image has anywhere), the covariance plus floor^2 times the identity, the floor a tenth of
//   the root-mean-square spread over colour directions (so gray images, whose colours vary along one direction only,
//   still get a finite distance).
// The raw map is the larger of the two, smoothed by a Gaussian of sigma 1 pixel (a defect is a region); the detector
// scores by its maximum and shows it scaled into [0, 1) by the most extreme value over the training images.

import { abs, conv2d, div, max, maximum, sqrt, square, sub, sum } from '../../autograd/ops/index.ts';
import { smoothMap } from '../../anomaly/gaussian-blur.ts';
import { Module } from '../../nn/module.ts';
import { full, zeros } from '../../tensor/creation.ts';
import type { Tensor } from '../../tensor/tensor.ts';

/** Sigma in pixels of the Gaussian that smooths the map. */
export const MAP_SMOOTHING = 1;

export class PixelGaussianModel extends Module {
  /** [1, c, s, s]: each position and channel's mean over the training images. */
  readonly mean: Tensor;
  /** [1, c, s, s]: its standard deviation plus the floor. */
  readonly spread: Tensor;
  /** [1, c, 1, 1]: the mean colour of every training pixel. */
  readonly colourMean: Tensor;
  /** [c, c, 1, 1]: (covariance + floor^2 I)^(-1/2) as its eigenvectors (rows) over the square roots of its eigenvalues. */
  readonly whitening: Tensor;
  /** []: the raw map's largest value over the training images; the scaled map is 0.5 there. */
  readonly threshold: Tensor;
  /** []: how many training images the statistics come from; 0 until fitted. */
  readonly images: Tensor;

  constructor(
    readonly side: number,
    readonly channels: number,
  ) {
    super();
    this.mean = this.registerBuffer('mean', zeros([1, channels, side, side]));
    this.spread = this.registerBuffer('spread', full([1, channels, side, side], 1));
    this.colourMean = this.registerBuffer('colour_mean', zeros([1, channels, 1, 1]));
    this.whitening = this.registerBuffer('whitening', zeros([channels, channels, 1, 1]));
    this.threshold = this.registerBuffer('threshold', full([], 1));
    this.images = this.registerBuffer('images', zeros([]));
  }

  /** The largest per-channel |z| at each pixel [n, 1, s, s]. */
  pixelDistance(images: Tensor): Tensor {
    return max(abs(div(sub(images, this.mean), this.spread)), 1, true);
  }

  /** The global colour Mahalanobis distance of each pixel [n, 1, s, s]. */
  colourDistance(images: Tensor): Tensor {
    // The whitening applied to every pixel's colour is a 1 x 1 convolution.
    return sqrt(sum(square(conv2d(sub(images, this.colourMean), this.whitening)), 1, true));
  }

  /** The raw map [n, 1, s, s] of images [n, c, s, s]: the larger distance, smoothed. */
  forward(images: Tensor): Tensor {
    return smoothMap(maximum(this.pixelDistance(images), this.colourDistance(images)), MAP_SMOOTHING);
  }
}
