// Each test-time map and image score is the one it claims, against a direct float64 computation from the model's own
// features, latent and logits: 1 - A for CAVGA-Du, A_a and the classifier's anomalous-class probability for the weakly
// supervised model, |A| for ADVAE, 1 - SSIM for AE-SSIM. Only the derivative d score / d F comes from the engine (its
// gradients are checked by finite differences elsewhere); Grad-CAM's weights, the ReLU or absolute value, the
// normalisation, the bilinear up-sampling, the softmax and SSIM's windows are written out here.

import { describe, expect, it } from 'vitest';
import { grad } from '../../src/autograd/engine.ts';
import * as ops from '../../src/autograd/index.ts';
import { withDevice } from '../../src/devices.ts';
import { Generator, tensor } from '../../src/tensor/creation.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { Cavga, analyze, presetConfig, type CavgaOverrides } from '../../src/cavga/index.ts';
import { expectClose, randomValues } from '../helpers/backends.ts';

const n = 3;
const size = 48; // latent side 6: the up-sampling does not divide evenly
const images = randomValues(n * 3 * size * size, 21);

const modelOf = (name: string, overrides: CavgaOverrides = {}) =>
  new Cavga(
    presetConfig(name, { imageSize: size, channels: 3, latentChannels: 4, width: 4, ...overrides }),
    new Generator(5),
  );

const values = async (t: Tensor) => Float64Array.from(await t.data());

/** Grad-CAM from F [n, k, h, w] and dScore/dF: relu (or |.|) of sum_k mean(dF_k) F_k, over its max + 1e-8, per image. */
function gradCamByHand(f: Float64Array, d: Float64Array, shape: number[], absolute: boolean): Float64Array {
  const [, k, h, w] = shape;
  const plane = h * w;
  const out = new Float64Array(n * plane);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const base = (i * k + c) * plane;
      let alpha = 0;
      for (let p = 0; p < plane; p++) alpha += d[base + p] / plane;
      for (let p = 0; p < plane; p++) out[i * plane + p] += alpha * f[base + p];
    }
    const map = out.subarray(i * plane, (i + 1) * plane);
    map.forEach((v, p) => (map[p] = absolute ? Math.abs(v) : Math.max(v, 0)));
    const top = Math.max(...map);
    map.forEach((v, p) => (map[p] = v / (top + 1e-8)));
  }
  return out;
}

/** Bilinear up-sampling of n maps h x h to size x size, half-pixel centres (PyTorch's align_corners=False). */
function upsampleByHand(maps: Float64Array, h: number): Float64Array {
  const out = new Float64Array(n * size * size);
  const source = (t: number) => {
    const s = Math.max(((t + 0.5) * h) / size - 0.5, 0);
    const i0 = Math.floor(s);
    return { i0, i1: Math.min(i0 + 1, h - 1), f: s - i0 };
  };
  for (let i = 0; i < n; i++)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const [sy, sx] = [source(y), source(x)];
        const at = (yy: number, xx: number) => maps[i * h * h + yy * h + xx];
        out[(i * size + y) * size + x] =
          (1 - sy.f) * ((1 - sx.f) * at(sy.i0, sx.i0) + sx.f * at(sy.i0, sx.i1)) +
          sy.f * ((1 - sx.f) * at(sy.i1, sx.i0) + sx.f * at(sy.i1, sx.i1));
      }
  return out;
}

/** The up-sampled Grad-CAM of `score(mu, features)` on the test images, computed by hand but for dScore/dF. */
async function attentionByHand(model: Cavga, score: (mu: Tensor) => Tensor, absolute: boolean) {
  model.eval();
  const { features, mu } = model.encode(tensor(images, [n, 3, size, size]));
  const [dF] = grad(score(mu), features);
  const cam = gradCamByHand(await values(features), await values(dF!), features.shape, absolute);
  return upsampleByHand(cam, features.shape[2]);
}

describe('test-time maps and scores against a direct computation (float64)', () => {
  // (The Grad-CAM score sum(mu): at initialisation ||mu||^2 / 2 has gradients so small that its maps fall under the
  // normalisation's epsilon.)
  it("CAVGA-Du's 'attention' map is 1 - A, A the Grad-CAM of sum(mu)", async () => {
    await withDevice('cpu', async () => {
      const model = modelOf('cavga-du');
      const a = await attentionByHand(model, (mu) => ops.sum(mu), false);
      const result = analyze(model, tensor(images, [n, 3, size, size]));
      expect(Math.max(...a)).toBeGreaterThan(0.5); // a live map, so 1 - A is not trivially 1
      expectClose(
        await values(result.map),
        Array.from(a, (v) => 1 - v),
        1e-9,
        1e-12,
        '1 - A',
      );
    });
  });

  it("ADVAE's map is |A|, A the Grad-CAM of sum(mu) without the ReLU", async () => {
    await withDevice('cpu', async () => {
      const model = modelOf('advae');
      const abs = await attentionByHand(model, (mu) => ops.sum(mu), true);
      const relu = await attentionByHand(model, (mu) => ops.sum(mu), false);
      const result = analyze(model, tensor(images, [n, 3, size, size]));
      expectClose(await values(result.map), abs, 1e-9, 1e-12, '|A|');
      // Where sum_k alpha_k F_k < 0 the two differ, so the check above tells |.| from ReLU.
      expect(Math.max(...abs.map((v, i) => Math.abs(v - relu[i])))).toBeGreaterThan(0.05);
    });
  });

  it("CAVGA-Dw's map is A_a (the anomalous logit's Grad-CAM) and its 'classifier' score softmax(s_n, s_a)_a", async () => {
    await withDevice('cpu', async () => {
      const model = modelOf('cavga-dw', { imageScore: 'classifier' });
      const anomalous = await attentionByHand(model, (mu) => ops.sum(ops.slice(model.classify(mu), 1, 1, 2)), false);
      const normal = await attentionByHand(model, (mu) => ops.sum(ops.slice(model.classify(mu), 1, 0, 1)), false);
      const logits = await values(model.classify(model.encode(tensor(images, [n, 3, size, size])).mu));
      const probability = Array.from({ length: n }, (_, i) => {
        const [sn, sa] = [logits[2 * i], logits[2 * i + 1]];
        return Math.exp(sa) / (Math.exp(sn) + Math.exp(sa));
      });
      const result = analyze(model, tensor(images, [n, 3, size, size]));
      expectClose(await values(result.map), anomalous, 1e-9, 1e-12, 'A_a');
      expectClose(await values(result.score), probability, 1e-9, 1e-12, 'classifier probability');
      // A_n is another map, so the check above tells the classes apart.
      expect(Math.max(...anomalous.map((v, i) => Math.abs(v - normal[i])))).toBeGreaterThan(0.05);
    });
  });

  it("AE-SSIM's map is 1 - SSIM (11 x 11 Gaussian window, sigma 1.5, zero padding), channel mean, over its image maximum", async () => {
    await withDevice('cpu', async () => {
      const model = modelOf('ae-ssim');
      const result = analyze(model, tensor(images, [n, 3, size, size]));
      const x = images;
      const y = await values(result.reconstruction);
      const g = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 ** 2)));
      const gSum = g.reduce((s, v) => s + v, 0);
      const plane = size * size;
      const local = (img: ArrayLike<number>, base: number, px: number, py: number, f: (a: number) => number) => {
        let total = 0;
        for (let dy = -5; dy <= 5; dy++)
          for (let dx = -5; dx <= 5; dx++) {
            const [yy, xx] = [py + dy, px + dx];
            if (yy < 0 || xx < 0 || yy >= size || xx >= size) continue; // zero padding
            total += (g[dy + 5] * g[dx + 5] * f(base + yy * size + xx)) / (gSum * gSum);
          }
        return total;
      };
      const [c1, c2] = [0.02 ** 2, 0.06 ** 2];
      const want = new Float64Array(n * plane);
      for (let i = 0; i < n; i++) {
        for (let ch = 0; ch < 3; ch++) {
          const base = (i * 3 + ch) * plane;
          for (let py = 0; py < size; py++)
            for (let px = 0; px < size; px++) {
              const mx = local(x, base, px, py, (j) => x[j]);
              const my = local(y, base, px, py, (j) => y[j]);
              const sxx = local(x, base, px, py, (j) => x[j] * x[j]) - mx * mx;
              const syy = local(y, base, px, py, (j) => y[j] * y[j]) - my * my;
              const sxy = local(x, base, px, py, (j) => x[j] * y[j]) - mx * my;
              const ssim = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
              want[i * plane + py * size + px] += (1 - ssim) / 3;
            }
        }
        const map = want.subarray(i * plane, (i + 1) * plane);
        const top = Math.max(...map);
        map.forEach((v, p) => (map[p] = v / (top + 1e-8)));
      }
      expectClose(await values(result.map), want, 1e-7, 1e-9, '1 - SSIM');
    });
  });

  it("refuses the 'classifier' score for a model without a classifier, naming it", () => {
    expect(() => presetConfig('cavga-du', { imageScore: 'classifier' })).toThrow(
      /imageScore 'classifier' needs a weakly supervised model/,
    );
    const model = modelOf('cavga-du');
    expect(() =>
      analyze(model, tensor(images, [n, 3, size, size]), { ...model.config, imageScore: 'classifier' }),
    ).toThrow(/image score 'classifier' needs a weakly supervised model/);
  });
});
