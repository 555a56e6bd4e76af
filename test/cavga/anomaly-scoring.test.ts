// Test-time scoring: the 'attention-error' map (smoothed reconstruction error weighted by 1 - A) and the 'map-max'
// image score against a plain float64 computation from the analysis' own reconstruction and attention, on the
// reference backend and on WebGPU; the paper's protocol unchanged; the choices that make no sense refused; and the
// standardised scoring's calibration, computed, applied and carried in checkpoints.

import { beforeAll, describe, expect, it } from 'vitest';
import { withDevice } from '../../src/devices.ts';
import { Generator, tensor } from '../../src/tensor/creation.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import { Cavga, analyze, calibrate, cavgaConfig, type Analysis, type Scoring } from '../../src/cavga/index.ts';
import { rawAnalysis } from '../../src/cavga/inference.ts';
import { newTrainer } from '../../src/cavga/saved-model.ts';
import { expectClose, randomValues, webgpu } from '../helpers/backends.ts';
import { reloaded } from '../helpers/cavga-checkpoint.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

const n = 3;
const size = 48; // 1/8 side 6: the attention's 8 x 8 grid does not divide the image evenly
const config = cavgaConfig({
  imageSize: size,
  channels: 3,
  latentChannels: 4,
  width: 4,
  gradCamScore: 'squared-norm',
  anomalyMap: 'attention-error',
  imageScore: 'map-max',
});
const images = randomValues(n * 3 * size * size, 11);

/** The expected map, straight from the definition: per-pixel channel-mean error, a Gaussian (radius ceil(2 sigma))
 * averaged over the in-image part of the window, times (1 - A) to a power. */
function expected(
  x: Float32Array,
  reconstruction: Float32Array,
  attention: Float32Array,
  sigma: number,
  exponent: number,
) {
  const plane = size * size;
  const radius = Math.ceil(2 * sigma);
  const raw = new Float64Array(n * plane);
  for (let k = 0; k < n; k++) {
    const error = new Float64Array(plane);
    for (let ch = 0; ch < 3; ch++)
      for (let p = 0; p < plane; p++)
        error[p] += Math.abs(x[(k * 3 + ch) * plane + p] - reconstruction[(k * 3 + ch) * plane + p]) / 3;
    for (let y = 0; y < size; y++) {
      for (let xx = 0; xx < size; xx++) {
        let total = 0;
        let weight = 0;
        for (let dy = -radius; dy <= radius; dy++) {
          for (let dx = -radius; dx <= radius; dx++) {
            const yy = y + dy;
            const xs = xx + dx;
            if (yy < 0 || xs < 0 || yy >= size || xs >= size) continue;
            const w =
              sigma === 0 ? (dx === 0 && dy === 0 ? 1 : 0) : Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
            total += w * error[yy * size + xs];
            weight += w;
          }
        }
        raw[k * plane + y * size + xx] = (total / weight) * (1 - attention[k * plane + y * size + xx]) ** exponent;
      }
    }
  }
  const scores = Array.from({ length: n }, (_, k) => Math.max(...raw.subarray(k * plane, (k + 1) * plane)));
  const map = raw.map((v, i) => v / (scores[Math.floor(i / plane)] + 1e-8));
  return { scores, map };
}

async function check(result: Analysis, scoring: Scoring, rtol: number, atol: number, what: string) {
  const [reconstruction, attention, score, map] = await Promise.all([
    result.reconstruction.data(),
    result.attention!.data(),
    result.score.data(),
    result.map.data(),
  ]);
  const want = expected(
    images,
    Float32Array.from(reconstruction),
    Float32Array.from(attention),
    scoring.errorSmoothing,
    scoring.attentionExponent,
  );
  expectClose(score, want.scores, rtol, atol, `${what} score`);
  expectClose(map, want.map, rtol, atol, `${what} map`);
  expect(Math.max(...map)).toBeLessThanOrEqual(1 + 1e-6);
  return { score: Array.from(score), map: Array.from(map) };
}

describe("the 'attention-error' map and 'map-max' score", () => {
  const variants: [string, Partial<Scoring>][] = [
    ['defaults (sigma 1, product)', {}],
    ['sigma 1.6, attention to the power 0.5', { errorSmoothing: 1.6, attentionExponent: 0.5 }],
    ['no smoothing, no attention', { errorSmoothing: 0, attentionExponent: 0 }],
  ];
  for (const [name, change] of variants) {
    it(`${name}: match the definition on the reference backend and on WebGPU, and the two backends agree`, async () => {
      const scoring = { ...config, ...change };
      const cpu = await withDevice('cpu', async () => {
        const model = new Cavga(config, new Generator(3));
        return check(analyze(model, tensor(images, [n, 3, size, size]), scoring), scoring, 1e-6, 1e-9, 'cpu');
      });
      const onGpu = await withDevice(gpu, async () => {
        const model = new Cavga(config, new Generator(3));
        return check(analyze(model, tensor(images, [n, 3, size, size]), scoring), scoring, 1e-4, 1e-6, 'webgpu');
      });
      expectClose(onGpu.score, cpu.score, 1e-3, 1e-5, 'webgpu vs cpu score');
      expectClose(onGpu.map, cpu.map, 1e-3, 1e-4, 'webgpu vs cpu map');
    });
  }

  it("the paper's protocol on the same model: mean |x - x_hat| and 1 - A", async () => {
    await withDevice('cpu', async () => {
      const model = new Cavga(config, new Generator(3));
      const result = analyze(model, tensor(images, [n, 3, size, size]), {
        ...config,
        anomalyMap: 'attention',
        imageScore: 'mean-error',
      });
      const [reconstruction, attention, score, map] = await Promise.all([
        result.reconstruction.data(),
        result.attention!.data(),
        result.score.data(),
        result.map.data(),
      ]);
      const per = 3 * size * size;
      const meanError = Array.from(
        { length: n },
        (_, k) =>
          images
            .subarray(k * per, (k + 1) * per)
            .reduce((s, v, i) => s + Math.abs(v - reconstruction[k * per + i]), 0) / per,
      );
      expectClose(score, meanError, 1e-9, 1e-12, 'mean error');
      expectClose(
        map,
        Array.from(attention, (a) => 1 - a),
        1e-12,
        1e-12,
        '1 - A',
      );
    });
  });

  it('refuses a map-max score on a map scaled to 1 in every image, naming both choices', () => {
    expect(() => cavgaConfig({ anomalyMap: 'attention', imageScore: 'map-max' })).toThrow(
      /imageScore 'map-max' needs an anomaly map that keeps the error's scale .*'attention' is scaled/,
    );
    expect(() => cavgaConfig({ anomalyMap: 'nope' as never })).toThrow(
      /anomalyMap must be one of attention, attention-abs, error, ssim, attention-error, got 'nope'/,
    );
    expect(() => cavgaConfig({ errorSmoothing: -1 })).toThrow(
      /errorSmoothing must be a sigma from 0 to 16 pixels, got -1/,
    );
  });
});

describe('standardised scoring', () => {
  const scoring: Scoring = {
    ...config,
    anomalyMap: 'error',
    imageScore: 'map-max',
    errorSmoothing: 1,
    standardize: true,
  };
  const calibrationImages = randomValues(5 * 3 * size * size, 12);
  const plane = size * size;
  const batches = () => [
    tensor(calibrationImages.slice(0, 2 * 3 * plane), [2, 3, size, size]),
    tensor(calibrationImages.slice(2 * 3 * plane), [3, 3, size, size]),
  ];

  it('calibrate() stores the per-pixel mean, the floored spread and the largest standardised value; analyze() uses them', async () => {
    await withDevice('cpu', async () => {
      const model = new Cavga({ ...config, ...scoring }, new Generator(4));
      expect(() => analyze(model, tensor(images, [n, 3, size, size]))).toThrow(
        /standardised scoring needs the model calibrated on normal images/,
      );
      const raws = await Promise.all(
        batches().map(async (b) => Array.from(await rawAnalysis(model, b, scoring).raw.data())),
      );
      const maps = raws.flat();
      const count = maps.length / plane;
      const mean = Array.from(
        { length: plane },
        (_, p) => Array.from({ length: count }, (_, k) => maps[k * plane + p]).reduce((a, b) => a + b) / count,
      );
      const sd = mean.map((m, p) =>
        Math.sqrt(
          Array.from({ length: count }, (_, k) => (maps[k * plane + p] - m) ** 2).reduce((a, b) => a + b) / count,
        ),
      );
      const floor = 0.1 * Math.sqrt(sd.reduce((a, v) => a + v * v, 0) / plane);
      const spread = sd.map((v) => v + floor);
      const threshold = Math.max(...maps.map((v, i) => (v - mean[i % plane]) / spread[i % plane]));

      expect(await calibrate(model, batches())).toBe(5);
      const c = model.calibration;
      expectClose(await c.mean.data(), mean, 1e-5, 1e-9, 'mean');
      expectClose(await c.spread.data(), spread, 1e-5, 1e-9, 'spread');
      expectClose(await c.threshold.data(), [threshold], 1e-5, 1e-9, 'threshold');

      // The map from the stored (float32) statistics, so that rounding them does not count against analyze().
      const [storedMean, storedSpread, [storedThreshold]] = await Promise.all([
        c.mean.data(),
        c.spread.data(),
        c.threshold.data(),
      ]);
      const result = analyze(model, tensor(images, [n, 3, size, size]));
      const raw = await rawAnalysis(model, tensor(images, [n, 3, size, size]), scoring).raw.data();
      const z = Array.from(raw, (v, i) => (v - storedMean[i % plane]) / storedSpread[i % plane]);
      expectClose(
        await result.score.data(),
        Array.from({ length: n }, (_, k) => Math.max(...z.slice(k * plane, (k + 1) * plane))),
        1e-9,
        1e-12,
        'score',
      );
      expectClose(
        await result.map.data(),
        z.map((v) => Math.max(v, 0) / (Math.max(v, 0) + storedThreshold)),
        1e-9,
        1e-12,
        'map',
      );
    });
  });

  it('the calibration travels in the checkpoint; a checkpoint written before calibration existed loads uncalibrated', async () => {
    await withDevice(gpu, async () => {
      const trainer = newTrainer({ cavga: { ...config, ...scoring }, seed: 2 });
      await calibrate(trainer.model, batches());
      const loaded = await reloaded(trainer, 2);
      expect(loaded.model.calibration.calibrated).toBe(true);
      const x = tensor(images, [n, 3, size, size]);
      expectClose(
        await analyze(loaded.model, x).map.data(),
        await analyze(trainer.model, x).map.data(),
        0,
        0,
        'map after reload',
      );

      const old = await reloaded(trainer, 2, 'calibration.');
      expect(old.model.calibration.calibrated).toBe(false);
      expect(() => analyze(old.model, x)).toThrow(/needs the model calibrated/);
    });
  });
});

describe('memory', () => {
  it('calibrating and analysing again and again leaves live GPU bytes where they were', async () => {
    await withDevice(gpu, async () => {
      const model = new Cavga(
        { ...config, anomalyMap: 'error', standardize: true, errorSmoothing: 1 },
        new Generator(5),
      );
      const x = tensor(images, [n, 3, size, size]);
      const round = async () => {
        await calibrate(model, [tensor(images, [n, 3, size, size])]);
        const result = analyze(model, x);
        await result.map.data();
        for (const t of [result.score, result.map, result.reconstruction, result.attention]) t?.dispose();
      };
      await round();
      const before = gpu.memory().liveBytes;
      for (let k = 0; k < 3; k++) await round();
      expect(gpu.memory().liveBytes).toBe(before);
    });
  });
});
