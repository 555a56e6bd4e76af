// The PCA baseline (src/baselines/pca) against a direct float64 computation on small data: its principal subspace
// against power iteration with deflation on the full covariance (which only a test may form), exact when the images are
// fewer than k + oversampling (the snapshot case) and converged otherwise; its maps against reconstruction, smoothing
// and calibration written out in float64; fewer images than components; its checkpoint; what it refuses.

import { beforeAll, describe, expect, it } from 'vitest';
import { trainingData } from '../../src/anomaly/batch.ts';
import { calibrateOn } from '../../src/anomaly/evaluate.ts';
import type { Sample } from '../../src/anomaly/data/sample.ts';
import { PcaDetector } from '../../src/baselines/pca/detector.ts';
import { OVERSAMPLING, principalComponents } from '../../src/baselines/pca/principal-components.ts';
import { createDetector } from '../../src/detectors.ts';
import { withDevice } from '../../src/devices.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { Lcg } from '../../src/tensor/lcg.ts';
import { expectClose, webgpu } from '../helpers/backends.ts';
import { loaded, smoothSigma1, throughCheckpoint } from '../helpers/baseline-data.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

const SIDE = 8;
const C = 3;
const D = C * SIDE * SIDE;

/**
 * `n` images: 0.5 plus four fixed orthonormal patterns with weights of spread 0.3, 0.2, 0.12 and 0.07, plus noise of
 * 0.005: a covariance with four well separated eigenvalues and a flat rest.
 */
function lowRankImages(n: number, seed: number): Sample[] {
  const patterns: Float64Array[] = [];
  const fixed = new Lcg(99);
  for (let j = 0; j < 4; j++) {
    const u = Float64Array.from({ length: D }, () => fixed.nextSigned());
    for (const q of patterns) {
      const dot = q.reduce((s, x, i) => s + x * u[i], 0);
      u.forEach((_, i) => (u[i] -= dot * q[i]));
    }
    const norm = Math.sqrt(u.reduce((s, x) => s + x * x, 0));
    patterns.push(u.map((x) => x / norm));
  }
  const lcg = new Lcg(seed);
  return Array.from({ length: n }, (_, k) => {
    const weights = [0.3, 0.2, 0.12, 0.07].map((s) => s * Math.sqrt(3) * lcg.nextSigned());
    const data = Float32Array.from({ length: D }, (_, i) => {
      const v = 0.5 + weights.reduce((s, w, j) => s + w * patterns[j][i], 0) + 0.005 * lcg.nextSigned();
      if (v < 0 || v > 1) throw new Error('test images must stay in [0, 1]');
      return v;
    });
    return {
      path: `low-rank-${seed}-${k}`,
      label: 0,
      defect: 'good',
      image: { width: SIDE, height: SIDE, channels: C, data },
    };
  });
}

/** The top k eigenvectors and eigenvalues of the images' covariance, by power iteration with deflation. */
function referencePca(images: Float64Array[], k: number) {
  const n = images.length;
  const mean = new Float64Array(D);
  for (const x of images) x.forEach((v, i) => (mean[i] += v / n));
  const covariance = new Float64Array(D * D);
  for (const x of images)
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) covariance[i * D + j] += ((x[i] - mean[i]) * (x[j] - mean[j])) / (n - 1);
  const lcg = new Lcg(5);
  const components: Float64Array[] = [];
  const variances: number[] = [];
  for (let e = 0; e < k; e++) {
    let v = Float64Array.from({ length: D }, () => lcg.nextSigned());
    for (let iteration = 0; iteration < 300; iteration++) {
      const w = new Float64Array(D);
      for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) w[i] += covariance[i * D + j] * v[j];
      const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
      v = w.map((x) => x / norm);
    }
    let lambda = 0;
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) lambda += v[i] * covariance[i * D + j] * v[j];
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) covariance[i * D + j] -= lambda * v[i] * v[j];
    components.push(v);
    variances.push(lambda);
  }
  return { mean, components, variances };
}

/** Largest entry of U U^T - V V^T: zero when the two sets of orthonormal directions span the same subspace. */
function subspaceGap(u: Float64Array[], v: Float64Array[]): number {
  let gap = 0;
  for (let i = 0; i < D; i++)
    for (let j = 0; j < D; j++) {
      const a = u.reduce((s, x) => s + x[i] * x[j], 0);
      const b = v.reduce((s, x) => s + x[i] * x[j], 0);
      gap = Math.max(gap, Math.abs(a - b));
    }
  return gap;
}

describe('principal components', () => {
  it('equal the covariance eigenvectors: exactly with fewer images than k + oversampling, converged with more', async () => {
    const k = 4;
    for (const n of [k + OVERSAMPLING - 2, 80]) {
      const { dataset, pixels } = loaded(lowRankImages(n, n), SIDE, C);
      const want = referencePca(pixels, k);
      await withDevice(gpu, async () => {
        const got = await principalComponents(trainingData(dataset, false), D, k, 7);
        expectClose(got.mean, want.mean, 1e-6, 1e-6, `${n} images: mean`);
        expectClose(got.variances, want.variances, 1e-4, 1e-7, `${n} images: variances`);
        expect(subspaceGap(got.components, want.components), `${n} images`).toBeLessThan(1e-4);
        got.components.forEach((u, e) => expect(Math.hypot(...u), `norm ${e}`).toBeCloseTo(1, 5));
      });
    }
  });

  it('are as many as the images span when they are fewer than k', async () => {
    const { dataset } = loaded(lowRankImages(5, 3), SIDE, C);
    await withDevice(gpu, async () => {
      const detector = createDetector('pca', { imageSize: SIDE, channels: C, seed: 0 }) as PcaDetector;
      await detector.fit(trainingData(dataset, false));
      expect(detector.describe()).toMatch(/32 components, 4 found/);
      const rows = await detector.model.components.data();
      expect(rows.subarray(4 * D).every((v) => v === 0)).toBe(true);
      // Four directions through five images: every training image is reconstructed.
      const x = tensor(dataset.batch([0, 1, 2, 3, 4]).images, [5, C, SIDE, SIDE]);
      expectClose(await detector.model.reconstruct(x).data(), await x.data(), 0, 1e-5, 'reconstruction');
    });
  });
});

describe('pca detector', () => {
  it('scores and maps as its reconstruction error, smoothed and calibrated, computed in float64', async () => {
    const k = 3; // fewer than the four patterns: the fourth is an error the calibration learns
    const train = loaded(lowRankImages(40, 1), SIDE, C);
    const test = loaded(lowRankImages(6, 2), SIDE, C);
    test.pixels[5] = test.pixels[5].map((v, i) => (i % SIDE < 3 && Math.floor(i / SIDE) % SIDE < 2 ? -1 : v));
    const want = referencePca(train.pixels, k);
    const errorMap = (x: Float64Array) => {
      const centred = x.map((v, i) => v - want.mean[i]);
      const residual = centred.slice();
      for (const u of want.components) {
        const p = u.reduce((s, v, i) => s + v * centred[i], 0);
        u.forEach((v, i) => (residual[i] -= p * v));
      }
      const plane = SIDE * SIDE;
      return smoothSigma1(
        Float64Array.from({ length: plane }, (_, p) =>
          [0, 1, 2].reduce((s, c) => s + Math.abs(residual[c * plane + p]) / C, 0),
        ),
        SIDE,
      );
    };
    const maps = train.pixels.map(errorMap);
    const plane = SIDE * SIDE;
    const mean = Float64Array.from({ length: plane }, (_, p) => maps.reduce((s, m) => s + m[p] / maps.length, 0));
    const std = Float64Array.from({ length: plane }, (_, p) =>
      Math.sqrt(maps.reduce((s, m) => s + (m[p] - mean[p]) ** 2 / maps.length, 0)),
    );
    const floor = 0.1 * Math.sqrt(std.reduce((s, v) => s + v * v, 0) / plane);
    const z = (m: Float64Array) => m.map((v, p) => (v - mean[p]) / (std[p] + floor));
    const threshold = Math.max(...maps.flatMap((m) => [...z(m)]));

    await withDevice(gpu, async () => {
      const detector = createDetector(
        'pca',
        { imageSize: SIDE, channels: C, seed: 2 },
        { components: k },
      ) as PcaDetector;
      await detector.fit(trainingData(train.dataset, false));
      expect(detector.needsCalibration).toBe(true);
      const x = tensor(
        test.pixels.flatMap((v) => [...v]),
        [6, C, SIDE, SIDE],
      );
      expect(() => detector.analyze(x)).toThrow(/needs calibrating/);
      expect(await calibrateOn(detector, train.dataset)).toBe(40);
      const result = detector.analyze(x);
      const zs = test.pixels.map((p) => z(errorMap(p)));
      expectClose(
        await result.score.data(),
        zs.map((m) => Math.max(...m)),
        2e-3,
        2e-3,
        'scores',
      );
      const scaled = zs.flatMap((m) => [...m].map((v) => Math.max(v, 0) / (Math.max(v, 0) + threshold)));
      expectClose(await result.map.data(), scaled, 2e-3, 1e-3, 'maps');
      const scores = await result.score.data();
      expect(scores[5]).toBeGreaterThan(Math.max(...scores.subarray(0, 5)));
      // The reconstruction is what it shows beside the input, in [-1, 1].
      expect((await result.reconstruction!.data()).every((v) => v >= -1 && v <= 1)).toBe(true);
      expect(await detector.scoreScale()).toMatch(
        /standardised PCA reconstruction errors; the most extreme of the 40 normal/,
      );

      // A checkpoint keeps the fit and the calibration; a new fit makes the calibration stale.
      const restored = await throughCheckpoint(detector);
      expect(restored.detector.config).toEqual({
        detector: 'pca',
        imageSize: SIDE,
        channels: C,
        seed: 2,
        components: k,
      });
      expect(restored.detector.needsCalibration).toBe(false);
      expectClose(await restored.detector.analyze(x).map.data(), await result.map.data(), 0, 0, 'restored map');
      await detector.fit(trainingData(train.dataset, false));
      expect(detector.needsCalibration).toBe(true);
    });
  });

  it('refuses components that are not a whole number from 1, or that do not fit one storage binding', () => {
    const input = { imageSize: 64, channels: 3 as const, seed: 0 };
    expect((createDetector('pca', input) as PcaDetector).config.components).toBe(32);
    expect(() => createDetector('pca', input, { components: 0 })).toThrow(
      /pca: components must be a whole number from 1, got 0/,
    );
    expect(() => createDetector('pca', { ...input, imageSize: 1024 })).toThrow(/do not fit one 128 MiB buffer/);
  });
});
