// The 'error-latent' image score: the latent calibration's statistics against hand-computed values and a float64
// computation by another method (Gauss-Jordan rather than Cholesky), the whole score against a direct float64
// computation from the model's reconstruction and latent means on the reference backend and on WebGPU, the statistics
// carried in checkpoints, and the choices that cannot work refused.

import { beforeAll, describe, expect, it } from 'vitest';
import { withDevice } from '../../src/devices.ts';
import { Generator, tensor } from '../../src/tensor/creation.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import { Cavga, analyze, calibrate, cavgaConfig } from '../../src/cavga/index.ts';
import { CavgaDetector } from '../../src/cavga/detector.ts';
import { inverseSpd, LATENT_SHRINKAGE, LatentCalibration } from '../../src/cavga/latent-calibration.ts';
import { newTrainer } from '../../src/cavga/saved-model.ts';
import { expectClose, randomValues, webgpu } from '../helpers/backends.ts';
import { reloaded } from '../helpers/cavga-checkpoint.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

const size = 16;
const cz = 3;
const config = cavgaConfig({
  imageSize: size,
  channels: 1,
  width: 4,
  latentChannels: cz,
  flatLatent: true,
  adversarialLoss: false,
  anomalyMap: 'error',
  imageScore: 'error-latent',
});
const plane = size * size;
const calibrationImages = randomValues(7 * plane, 21);
const testImages = randomValues(4 * plane, 22);
const batches = () => [
  tensor(calibrationImages.slice(0, 4 * plane), [4, 1, size, size]),
  tensor(calibrationImages.slice(4 * plane), [3, 1, size, size]),
];

/** The inverse of a small matrix by Gauss-Jordan elimination with partial pivoting, in float64. */
function gaussJordanInverse(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = m.slice(c).reduce((best, row, k) => (Math.abs(row[c]) > Math.abs(m[best][c]) ? c + k : best), c);
    [m[c], m[p]] = [m[p], m[c]];
    const pivot = m[c][c];
    m[c] = m[c].map((v) => v / pivot);
    for (let r = 0; r < n; r++) if (r !== c) m[r] = m[r].map((v, j) => v - m[r][c] * m[c][j]);
  }
  return m.map((row) => row.slice(n));
}

describe('latent calibration', () => {
  it('inverts a symmetric positive definite matrix: a known inverse, and A A^-1 = I on a random one', () => {
    expectClose(inverseSpd(Float64Array.from([4, 2, 2, 3]), 2), [3 / 8, -2 / 8, -2 / 8, 4 / 8], 1e-14, 1e-15, 'known');
    const n = 6;
    const b = randomValues(n * n, 3);
    const a = Float64Array.from({ length: n * n }, (_, k) => {
      const [i, j] = [Math.floor(k / n), k % n];
      let s = i === j ? 0.5 : 0;
      for (let t = 0; t < n; t++) s += b[i * n + t] * b[j * n + t];
      return s;
    });
    const inverse = inverseSpd(a, n);
    const product = Array.from({ length: n * n }, (_, k) => {
      const [i, j] = [Math.floor(k / n), k % n];
      let s = 0;
      for (let t = 0; t < n; t++) s += a[i * n + t] * inverse[t * n + j];
      return s;
    });
    expectClose(
      product,
      Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0)),
      0,
      1e-12,
      'A A^-1',
    );
    expect(() => inverseSpd(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
  });

  it('fits the mean and the shrunk covariance (n - 1) of latent means; distances by hand', async () => {
    await withDevice('cpu', async () => {
      const c = new LatentCalibration(2);
      // Mean 0, covariance diag(2/3, 8/3) (sums of squares 2 and 8 over n - 1 = 3).
      expect(await c.fit([tensor([1, 0, -1, 0], [2, 2]), tensor([0, 2, 0, -2], [2, 2])])).toBe(4);
      expect(c.calibrated).toBe(true);
      const [a, b] = [2 / 3 + LATENT_SHRINKAGE, 8 / 3 + LATENT_SHRINKAGE];
      expectClose(await c.precision.data(), [1 / a, 0, 0, 1 / b], 1e-6, 0, 'precision');
      const d = await c.forward(tensor([1, 1, 0, 2, 0, 0], [3, 2])).data();
      expectClose(d, [1 / a + 1 / b, 4 / b, 0], 1e-6, 0, 'distances');
      await expect(new LatentCalibration(2).fit([tensor([1, 2], [1, 2])])).rejects.toThrow(/at least 2 normal images/);
    });
  });
});

describe("the 'error-latent' score", () => {
  for (const device of ['cpu', 'webgpu'] as const) {
    it(`equals log(sum e^2 / ink) + log(d^2) / 2 computed directly in float64 (${device})`, async () => {
      await withDevice(device === 'cpu' ? 'cpu' : gpu, async () => {
        const model = new Cavga(config, new Generator(3));
        const x = tensor(testImages, [4, 1, size, size]);
        expect(() => analyze(model, x)).toThrow(/the 'error-latent' score needs the model calibrated/);
        expect(await calibrate(model, batches())).toBe(7);
        const result = analyze(model, x);

        model.eval();
        const muOf = async (images: Float32Array, n: number) => {
          const values = await model.encode(tensor(images, [n, 1, size, size])).mu.data();
          return Array.from({ length: n }, (_, k) => Array.from(values.slice(k * cz, (k + 1) * cz)));
        };
        const calibrationMu = await muOf(calibrationImages, 7);
        const testMu = await muOf(testImages, 4);
        const mean = Array.from({ length: cz }, (_, i) => calibrationMu.reduce((s, m) => s + m[i], 0) / 7);
        const covariance = Array.from({ length: cz }, (_, i) =>
          Array.from(
            { length: cz },
            (_, j) =>
              calibrationMu.reduce((s, m) => s + (m[i] - mean[i]) * (m[j] - mean[j]), 0) / 6 +
              (i === j ? LATENT_SHRINKAGE : 0),
          ),
        );
        const precision = gaussJordanInverse(covariance);
        const reconstruction = await result.reconstruction.data();
        const expected = testMu.map((mu, k) => {
          let squaredError = 0;
          let ink = 0;
          for (let p = 0; p < plane; p++) {
            const [v, r] = [testImages[k * plane + p], reconstruction[k * plane + p]];
            squaredError += (v - r) ** 2;
            ink += (v + 1) / 2 + (r + 1) / 2;
          }
          let distance = 0;
          for (let i = 0; i < cz; i++)
            for (let j = 0; j < cz; j++) distance += (mu[i] - mean[i]) * precision[i][j] * (mu[j] - mean[j]);
          return Math.log(squaredError / ink) + 0.5 * Math.log(distance);
        });
        // The statistics are stored in float32 buffers on both backends; WebGPU also computes in float32.
        const [rtol, atol] = device === 'cpu' ? [2e-5, 1e-9] : [1e-3, 1e-4];
        expectClose(await result.score.data(), expected, rtol, atol, 'score');
      });
    });
  }

  it('its statistics travel in the checkpoint; a flat-latent checkpoint without them loads uncalibrated', async () => {
    await withDevice(gpu, async () => {
      const trainer = newTrainer({ cavga: config, seed: 2 });
      await calibrate(trainer.model, batches());
      const loaded = await reloaded(trainer, 2);
      expect(loaded.model.latentCalibration!.calibrated).toBe(true);
      expectClose(
        await loaded.model.latentCalibration!.precision.data(),
        await trainer.model.latentCalibration!.precision.data(),
        0,
        0,
        'precision after reload',
      );
      const x = tensor(testImages, [4, 1, size, size]);
      expectClose(
        await analyze(loaded.model, x).score.data(),
        await analyze(trainer.model, x).score.data(),
        0,
        0,
        'score',
      );
      expect(new CavgaDetector(loaded.saved, loaded.trainer).needsCalibration).toBe(false);

      const old = await reloaded(trainer, 2, 'latent_calibration.');
      expect(old.model.latentCalibration!.calibrated).toBe(false);
      expect(new CavgaDetector(old.saved, old.trainer).needsCalibration).toBe(true);
      expect(() => analyze(old.model, x)).toThrow(/needs the model calibrated/);
    });
  });

  it('refuses a convolutional latent, at configuration and when a trained model is rescored', () => {
    expect(() => cavgaConfig({ imageScore: 'error-latent' })).toThrow(/'error-latent' needs a flat latent/);
    const detector = new CavgaDetector({ cavga: cavgaConfig({ imageSize: 16, width: 4, latentChannels: 2 }), seed: 0 });
    expect(() => detector.setScoring({ 'image-score': 'error-latent' })).toThrow(/'error-latent' needs a flat latent/);
    expect(detector.model.latentCalibration).toBeNull();
  });
});
