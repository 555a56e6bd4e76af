// What the baselines' tests share: small images in memory (pre-processed into [-1, 1] as every detector sees them),
// the sigma-1 Gaussian smoothing of a map written out in float64 (border-normalised, as src/anomaly/gaussian-blur.ts's
// smoothMap), and a detector's checkpoint taken through the safetensors bytes and back.

import { Dataset } from '../../src/anomaly/data/dataset.ts';
import { detectorCheckpoint, type Detector } from '../../src/anomaly/detector.ts';
import type { Sample } from '../../src/anomaly/data/sample.ts';
import { detectorFromCheckpoint } from '../../src/detectors.ts';
import { checkpointContents } from '../../src/nn/checkpoint-state.ts';
import { decodeSafetensors, encodeSafetensors, type TensorValues } from '../../src/nn/safetensors-format.ts';
import { Lcg } from '../../src/tensor/lcg.ts';

/** `n` images side x side with `channels`: a smooth pattern shared by all, plus noise of `noise`; values in [0, 1]. */
export function patternImages(n: number, side: number, channels: 1 | 3, seed: number, noise = 0.05): Sample[] {
  const lcg = new Lcg(seed);
  return Array.from({ length: n }, (_, k) => {
    const data = new Float32Array(channels * side * side);
    for (let c = 0; c < channels; c++)
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++)
          data[(c * side + y) * side + x] =
            0.5 + 0.3 * Math.sin((x + 2 * c) / 2) * Math.cos(y / 3) + noise * lcg.nextSigned();
    return {
      path: `image-${seed}-${k}`,
      label: 0,
      defect: 'good',
      image: { width: side, height: side, channels, data },
    };
  });
}

/** The samples as a dataset, and all its pre-processed pixels, one Float64Array per image. */
export function loaded(samples: Sample[], side: number, channels: 1 | 3) {
  const dataset = Dataset.load(samples, { size: side, channels }, 'images');
  const per = channels * side * side;
  const all = dataset.batch([...dataset.labels.keys()]).images;
  const pixels = Array.from({ length: dataset.count }, (_, k) =>
    Float64Array.from(all.subarray(k * per, (k + 1) * per)),
  );
  return { dataset, pixels };
}

/** A map side x side smoothed by a Gaussian of sigma 1 over a 5 x 5 window, each value a weighted mean of the pixels inside the image. */
export function smoothSigma1(map: Float64Array, side: number): Float64Array {
  const w = [-2, -1, 0, 1, 2].map((t) => Math.exp(-(t * t) / 2));
  return Float64Array.from({ length: side * side }, (_, i) => {
    const [y, x] = [Math.floor(i / side), i % side];
    let total = 0;
    let weight = 0;
    for (let dy = -2; dy <= 2; dy++)
      for (let dx = -2; dx <= 2; dx++) {
        const [yy, xx] = [y + dy, x + dx];
        if (yy < 0 || yy >= side || xx < 0 || xx >= side) continue;
        total += w[dy + 2] * w[dx + 2] * map[yy * side + xx];
        weight += w[dy + 2] * w[dx + 2];
      }
    return total / weight;
  });
}

/** The detector a checkpoint of `detector` rebuilds, through its bytes. */
export async function throughCheckpoint(detector: Detector, step = 1) {
  const { tensors, metadata } = checkpointContents(detectorCheckpoint(detector, step));
  const values: Record<string, TensorValues> = {};
  for (const [name, t] of Object.entries(tensors))
    values[name] = { shape: t.shape, data: Float32Array.from(await t.data()) };
  return detectorFromCheckpoint(
    decodeSafetensors(encodeSafetensors(values, metadata), 'baseline.safetensors'),
    'baseline.safetensors',
  );
}
