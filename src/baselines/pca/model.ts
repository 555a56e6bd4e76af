// PCA's statistics and its reconstruction, as a module (buffers only, so a checkpoint holds them): the mean training
// image and the top k principal directions (principal-components.ts; rows of zeros where the images span fewer), and
// the per-pixel calibration of its error map. An image is reconstructed from its projection on the directions, and its
// raw anomaly map is the error |x - x_hat| averaged over channels and smoothed by a Gaussian of sigma 1 pixel, as
// CAVGA's default scoring maps its own reconstruction error (cavga/inference.ts).

import { abs, add, bmm, mean, reshape, sub } from '../../autograd/ops/index.ts';
import { smoothMap } from '../../anomaly/gaussian-blur.ts';
import { PixelCalibration } from '../../anomaly/pixel-calibration.ts';
import { Module } from '../../nn/module.ts';
import { zeros } from '../../tensor/creation.ts';
import type { Tensor } from '../../tensor/tensor.ts';

/** Sigma in pixels of the Gaussian that smooths the error map. */
export const ERROR_SMOOTHING = 1;

export class PcaModel extends Module {
  /** [1, c, s, s]: the mean training image. */
  readonly mean: Tensor;
  /** [k, c s s]: orthonormal principal directions, largest variance first; zero rows where there are fewer than k. */
  readonly components: Tensor;
  /** []: how many training images they come from; 0 until fitted. */
  readonly images: Tensor;
  readonly calibration: PixelCalibration;

  constructor(
    readonly side: number,
    readonly channels: number,
    readonly k: number,
  ) {
    super();
    this.mean = this.registerBuffer('mean', zeros([1, channels, side, side]));
    this.components = this.registerBuffer('components', zeros([k, channels * side * side]));
    this.images = this.registerBuffer('images', zeros([]));
    this.calibration = this.registerModule('calibration', new PixelCalibration(side));
  }

  /** Images [n, c, s, s] projected on the principal directions: mean + U^T U (x - mean). */
  reconstruct(images: Tensor): Tensor {
    const [n, ...rest] = images.shape;
    const d = this.components.shape[1];
    const centred = reshape(sub(images, this.mean), [1, n, d]);
    const u = reshape(this.components, [1, this.k, d]);
    const projected = bmm(bmm(centred, u, false, true), u); // [1, n, k] then [1, n, d]
    return add(reshape(projected, [n, ...rest]), this.mean);
  }

  /** The raw map [n, 1, s, s]: the smoothed channel mean of |images - reconstruction|. */
  forward(images: Tensor, reconstruction: Tensor): Tensor {
    return smoothMap(mean(abs(sub(images, reconstruction)), 1, true), ERROR_SMOOTHING);
  }
}
