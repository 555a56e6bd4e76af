// The per-pixel Gaussian baseline (src/baselines/pixel-gaussian) against its definition computed directly in float64
// (statistics, the ridge-regularised colour covariance inverted by Gauss-Jordan elimination, distances, smoothing,
// scale), on WebGPU and on the float64 reference backend, grey and colour; its checkpoint; what it refuses.

import { beforeAll, describe, expect, it } from 'vitest';
import { normalTrainingData, trainingData } from '../../src/anomaly/batch.ts';
import { createDetector, detectorKind } from '../../src/detectors.ts';
import { PixelGaussianDetector } from '../../src/baselines/pixel-gaussian/detector.ts';
import { getBackend, withDevice } from '../../src/devices.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { expectClose, webgpu } from '../helpers/backends.ts';
import { loaded, patternImages, smoothSigma1, throughCheckpoint } from '../helpers/baseline-data.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

const SIDE = 8;

/** Solves for the inverse of a small matrix by Gauss-Jordan elimination with partial pivoting. */
function inverse(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    const pivot = a
      .slice(col)
      .reduce((best, row, k) => (Math.abs(row[col]) > Math.abs(a[best][col]) ? col + k : best), col);
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const p = a[col][col];
    a[col] = a[col].map((v) => v / p);
    for (let r = 0; r < n; r++) if (r !== col) a[r] = a[r].map((v, j) => v - a[r][col] * a[col][j]);
  }
  return a.map((row) => row.slice(n));
}

/** The per-pixel Gaussian fitted on `train` (pre-processed pixels), as the docs define it, in float64. */
function reference(train: Float64Array[], c: number) {
  const n = train.length;
  const d = train[0].length;
  const plane = d / c;
  const mean = new Float64Array(d);
  for (const x of train) x.forEach((v, i) => (mean[i] += v / n));
  const std = new Float64Array(d);
  for (const x of train) x.forEach((v, i) => (std[i] += (v - mean[i]) ** 2 / n));
  std.forEach((v, i) => (std[i] = Math.sqrt(v)));
  const floor = 0.1 * Math.sqrt(std.reduce((s, v) => s + v * v, 0) / d);
  const spread = std.map((v) => v + floor);
  const colourMean = Array.from(
    { length: c },
    (_, k) => mean.subarray(k * plane, (k + 1) * plane).reduce((s, v) => s + v, 0) / plane,
  );
  const covariance = colourMean.map((_, k) =>
    colourMean.map((__, l) => {
      let total = 0;
      for (const x of train)
        for (let p = 0; p < plane; p++)
          total += (x[k * plane + p] - colourMean[k]) * (x[l * plane + p] - colourMean[l]);
      return total / (n * plane);
    }),
  );
  const trace = covariance.reduce((s, row, k) => s + row[k], 0);
  const ridge = (0.1 * Math.sqrt(trace / c)) ** 2;
  const inv = inverse(covariance.map((row, k) => row.map((v, l) => v + (k === l ? ridge : 0))));
  const raw = (x: Float64Array) => {
    const map = Float64Array.from({ length: plane }, (_, p) => {
      let z = 0;
      for (let k = 0; k < c; k++)
        z = Math.max(z, Math.abs(x[k * plane + p] - mean[k * plane + p]) / spread[k * plane + p]);
      let m2 = 0;
      for (let k = 0; k < c; k++)
        for (let l = 0; l < c; l++)
          m2 += (x[k * plane + p] - colourMean[k]) * inv[k][l] * (x[l * plane + p] - colourMean[l]);
      return Math.max(z, Math.sqrt(m2));
    });
    return smoothSigma1(map, Math.sqrt(plane));
  };
  const threshold = Math.max(...train.map((x) => Math.max(...raw(x))));
  return { mean, spread, threshold, raw };
}

describe('pixel-gaussian', () => {
  it('fits and scores as its definition computed in float64, on both backends, grey and colour', async () => {
    for (const device of ['webgpu', 'cpu'] as const)
      for (const channels of [3, 1] as const) {
        const train = loaded(patternImages(9, SIDE, channels, 11), SIDE, channels);
        // Test images: two more normal ones, one far off in colour, one with a bright square.
        const test = patternImages(4, SIDE, channels, 12);
        test[2].image!.data.fill(1, 0, SIDE * SIDE);
        test[3].image!.data.forEach(
          (_, i, data) => (data[i] = i % SIDE < 3 && Math.floor(i / SIDE) % SIDE < 3 ? 1 : data[i]),
        );
        const { pixels } = loaded(test, SIDE, channels);
        const want = reference(train.pixels, channels);
        await withDevice(device === 'webgpu' ? gpu : getBackend('cpu'), async () => {
          const detector = createDetector('pixel-gaussian', {
            imageSize: SIDE,
            channels,
            seed: 0,
          }) as PixelGaussianDetector;
          expect(detector.describe()).toMatch(/not fitted/);
          expect(() =>
            detector.analyze(
              tensor(
                pixels.flatMap((x) => [...x]),
                [4, channels, SIDE, SIDE],
              ),
            ),
          ).toThrow(/not fitted yet/);
          await detector.fit(trainingData(train.dataset, false));
          const what = `${device}, ${channels} channel(s)`;
          expectClose(await detector.model.mean.data(), want.mean, 1e-5, 1e-6, `${what}: mean`);
          expectClose(await detector.model.spread.data(), want.spread, 1e-4, 1e-6, `${what}: spread`);
          expectClose([await detector.model.threshold.item()], [want.threshold], 1e-4, 0, `${what}: threshold`);
          const result = detector.analyze(
            tensor(
              pixels.flatMap((x) => [...x]),
              [4, channels, SIDE, SIDE],
            ),
          );
          const raws = pixels.map(want.raw);
          expectClose(
            await result.score.data(),
            raws.map((r) => Math.max(...r)),
            1e-4,
            1e-5,
            `${what}: scores`,
          );
          const maps = raws.flatMap((r) => [...r].map((v) => v / (v + want.threshold)));
          expectClose(await result.map.data(), maps, 1e-4, 1e-6, `${what}: maps`);
          expect([result.reconstruction, result.attention]).toEqual([null, null]);
          expect(await detector.scoreScale()).toBe(
            `scores are distances from the normal images in units of their spread; the most extreme of the 9 training images reached ${want.threshold.toFixed(2)} (heatmap 0.5)`,
          );
          // The colour outlier and the square score above both normal images.
          const scores = await result.score.data();
          expect(Math.min(scores[2], scores[3])).toBeGreaterThan(Math.max(scores[0], scores[1]));
        });
      }
  });

  it('gives pixels that never change a finite spread, and images that do not vary at all a finite map', async () => {
    const samples = patternImages(5, SIDE, 3, 2, 0); // no noise: every training image is the same
    const { dataset, pixels } = loaded(samples, SIDE, 3);
    await withDevice(gpu, async () => {
      const detector = createDetector('pixel-gaussian', { imageSize: SIDE, channels: 3, seed: 0 });
      if (detector.training !== 'one-pass') throw new Error('pixel-gaussian fits in one pass');
      await detector.fit(normalTrainingData(dataset));
      const shifted = pixels[0].map((v) => v + 0.01);
      const result = detector.analyze(tensor([...pixels[0], ...shifted], [2, 3, SIDE, SIDE]));
      const [same, moved] = await result.score.data();
      expect(Number.isFinite(moved) && moved > 1000 * Math.max(same, 1e-9)).toBe(true);
      expect((await result.map.data()).every((v) => v >= 0 && v < 1)).toBe(true);
    });
  });

  it('a checkpoint rebuilds it; it takes no settings and refuses test-time ones', async () => {
    const train = loaded(patternImages(6, SIDE, 3, 5), SIDE, 3);
    await withDevice(gpu, async () => {
      const detector = createDetector('pixel-gaussian', { imageSize: SIDE, channels: 3, seed: 4 });
      if (detector.training !== 'one-pass') throw new Error('pixel-gaussian fits in one pass');
      await detector.fit(trainingData(train.dataset, false));
      const restored = await throughCheckpoint(detector);
      expect(restored.kind).toBe(detectorKind('pixel-gaussian'));
      expect(restored.step).toBe(1);
      expect(restored.detector.config).toEqual({ detector: 'pixel-gaussian', imageSize: SIDE, channels: 3, seed: 4 });
      const x = tensor(
        train.pixels.slice(0, 2).flatMap((v) => [...v]),
        [2, 3, SIDE, SIDE],
      );
      expectClose(await restored.detector.analyze(x).map.data(), await detector.analyze(x).map.data(), 0, 0, 'map');
      expect(() => detector.setScoring({ 'anomaly-map': 'error' })).toThrow(/pixel-gaussian: no test-time settings/);
      detector.setScoring({ 'anomaly-map': undefined });
      expect(detectorKind('pixel-gaussian').settings).toEqual({});
      expect(() => createDetector('pixel-gaussian', { imageSize: 4, channels: 3, seed: 0 })).toThrow(
        /image size must be a whole number from 8/,
      );
    });
  });
});
