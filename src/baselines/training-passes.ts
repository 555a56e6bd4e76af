// The baselines read their training set a few times over, each pass in batches small enough for one storage binding
// whatever the image size (MVTec AD's 256 x 256 x 3 included), waiting for the device after each batch: Dawn processes
// completions only when JavaScript yields, and the batches' partial results are read back to the host there anyway.

import type { TrainingData } from '../anomaly/batch.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** The largest storage binding every WebGPU adapter offers (128 MiB), in float32 values. */
export const BINDING_VALUES = (128 * 1024 * 1024) / 4;
/** Values per batch of images: 16 MiB, so that products of a batch with a basis also stay far below a binding. */
const BATCH_VALUES = 1 << 22;

/** Calls `use` on each batch [b, c, s, s] of the training images, in order (`start`: its first index), then disposes it. */
export async function eachBatch(
  data: TrainingData,
  valuesPerImage: number,
  use: (images: Tensor, start: number) => Promise<void>,
): Promise<void> {
  const size = Math.max(1, Math.floor(BATCH_VALUES / valuesPerImage));
  for (let start = 0; start < data.count; start += size) {
    const { images, labels } = data.batch(
      Array.from({ length: Math.min(size, data.count - start) }, (_, k) => start + k),
    );
    labels?.dispose();
    try {
      await use(images, start);
    } finally {
      images.dispose();
    }
  }
}

/** Adds `values` (read back from the device) into a float64 accumulator. */
export function accumulate(total: Float64Array, values: ArrayLike<number>): void {
  for (let i = 0; i < total.length; i++) total[i] += values[i];
}
