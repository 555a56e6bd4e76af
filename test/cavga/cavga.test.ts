// CAVGA: exact gradients of the full objectives (second-order path included), WebGPU against float64, Grad-CAM that is not
// degenerate, and a short training run that learns.

import { describe, expect, it, beforeAll } from 'vitest';
import { grad } from '../../src/autograd/engine.ts';
import { gradcheckParameters } from '../../src/autograd/gradcheck.ts';
import * as ops from '../../src/autograd/index.ts';
import { withDevice } from '../../src/devices.ts';
import { Generator, randn, tensor } from '../../src/tensor/creation.ts';
import { tidy } from '../../src/tensor/memory.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import {
  Cavga,
  CavgaTrainer,
  cavgaConfig,
  generatorObjective,
  gradCam,
  latentScore,
  type CavgaConfig,
  type CavgaOverrides,
  type GradCamScore,
} from '../../src/cavga/index.ts';
import { Conv2d } from '../../src/nn/index.ts';
import { expectClose, randomValues, webgpu } from '../helpers/backends.ts';

let gpu: Backend;
beforeAll(async () => {
  gpu = await webgpu();
});

const tiny = (overrides: CavgaOverrides = {}) =>
  cavgaConfig({ imageSize: 16, channels: 1, latentChannels: 2, width: 2, ...overrides });

function batchFor(config: CavgaConfig, n: number, seed: number) {
  const size = n * config.channels * config.imageSize ** 2;
  return {
    images: tensor(randomValues(size, seed), [n, config.channels, config.imageSize, config.imageSize]),
    labels: tensor(
      Array.from({ length: n }, (_, i) => i % 2),
      [n],
    ),
  };
}

const noiseFor = (model: Cavga, n: number) => {
  const c = model.config;
  return randn(c.flatLatent ? [n, c.latentChannels] : [n, c.latentChannels, c.imageSize / 8, c.imageSize / 8], {
    generator: new Generator(5),
  });
};

/** The first encoder weight's gradient with alpha held constant, and how far it is from the exact one (max |diff| / max |exact|). */
async function secondOrderChange(model: Cavga, batch: ReturnType<typeof batchFor>, eps: Tensor) {
  const encoderWeight = model.encoder.parameters()[0];
  const exact = await grad(generatorObjective(model, batch, eps).total, encoderWeight)[0]!.data();
  const firstOrder = await grad(
    generatorObjective(model, batch, eps, { secondOrder: false }).total,
    encoderWeight,
  )[0]!.data();
  const diff = Math.max(...Array.from(exact, (v, i) => Math.abs(v - firstOrder[i])));
  const scale = Math.max(...Array.from(exact, Math.abs));
  return { change: scale > 0 ? diff / scale : 0, firstOrder };
}

describe('CAVGA objectives: autograd against finite differences (float64, every parameter tensor)', () => {
  const cases: [string, CavgaOverrides][] = [
    ['unsupervised', {}],
    ['weakly', { supervision: 'weakly' }],
    ['unsupervised, Grad-CAM of ||mu||^2/2, logvar bias -2', { gradCamScore: 'squared-norm', logvarBias: -2 }],
  ];
  for (const [name, overrides] of cases) {
    it(`${name}: total loss, attention term differentiated through alpha`, async () => {
      await withDevice('cpu', async () => {
        // Larger attention weights than the defaults so the second-order part is not drowned by rounding.
        const config = tiny({
          ...overrides,
          weights: { reconstruction: 1, adversarial: 1, attentionExpansion: 1, classification: 1, guidedAttention: 1 },
        });
        const model = new Cavga(config, new Generator(3));
        const batch = batchFor(config, 4, 9);
        const eps = noiseFor(model, 4);
        const params = model.generatorParameters();
        expect(params.length).toBeGreaterThan(10);
        // L_cga takes part in the check: at least one normal image passes its indicator (the test below shows which).
        if (config.supervision === 'weakly')
          expect(await generatorObjective(model, batch, eps).guidedAttention!.item()).toBeGreaterThan(1e-3);
        await gradcheckParameters(() => generatorObjective(model, batch, eps).total, params, {
          elementsPerTensor: 6,
          atol: 1e-6,
          rtol: 1e-4,
        });
      });
    });
  }

  it('weakly supervised: L_cga is non-zero (a normal image passes its indicator) and its second-order path changes the gradient', async () => {
    await withDevice('cpu', async () => {
      const config = tiny({
        supervision: 'weakly',
        weights: { reconstruction: 0, adversarial: 0, attentionExpansion: 0, classification: 0, guidedAttention: 1 },
      });
      const model = new Cavga(config, new Generator(3));
      const batch = batchFor(config, 4, 9);
      const eps = noiseFor(model, 4);
      // The images L_cga averages over: normal ones (label 0) that the classifier calls normal (s_n > s_a).
      const z = model.reparameterize(...(({ mu, logvar }) => [mu, logvar] as const)(model.encode(batch.images)), eps);
      const logits = await model.classify(z).data();
      const labels = await batch.labels.data();
      const passing = Array.from(labels).filter((label, i) => label === 0 && logits[2 * i] > logits[2 * i + 1]);
      expect(passing.length).toBeGreaterThanOrEqual(1);
      expect(await generatorObjective(model, batch, eps).guidedAttention!.item()).toBeGreaterThan(1e-3);
      const { change, firstOrder } = await secondOrderChange(model, batch, eps);
      expect(change).toBeGreaterThan(1e-3);
      // The config's switch is the same first-order path.
      const viaConfig = new Cavga({ ...config, secondOrderAttention: false }, new Generator(3));
      const switched = await grad(
        generatorObjective(viaConfig, batchFor(config, 4, 9), eps).total,
        viaConfig.encoder.parameters()[0],
      )[0]!.data();
      expectClose(switched, firstOrder, 1e-12, 1e-15, 'secondOrderAttention: false');
    });
  });

  it('dropping the second-order path changes the gradient (so the check above would catch it)', async () => {
    await withDevice('cpu', async () => {
      const config = tiny({
        weights: { reconstruction: 0, adversarial: 0, attentionExpansion: 1, classification: 0, guidedAttention: 0 },
      });
      const model = new Cavga(config, new Generator(3));
      const batch = batchFor(config, 4, 9);
      const eps = noiseFor(model, 4);
      expect((await secondOrderChange(model, batch, eps)).change).toBeGreaterThan(1e-3);
    });
  });
});

describe('CAVGA on WebGPU matches float64', () => {
  for (const supervision of ['unsupervised', 'weakly'] as const) {
    it(`${supervision}: every loss term and every parameter gradient`, async () => {
      const run = (device: 'cpu' | Backend) =>
        withDevice(device, () =>
          tidy(() => {
            const config = tiny({ supervision, imageSize: 32, width: 4, latentChannels: 4 });
            const model = new Cavga(config, new Generator(3));
            const terms = generatorObjective(model, batchFor(config, 4, 9), noiseFor(model, 4));
            const grads = grad(terms.total, model.generatorParameters(), { allowUnused: true });
            delete terms.xHat;
            return { terms, grads: grads.map((g) => g!) };
          }),
        );
      const cpu = run('cpu');
      const webgpu = run(gpu);
      for (const name of Object.keys(cpu.terms)) {
        // Float32 through a dozen layers and a second-order pass: 2e-3 relative.
        expectClose(await webgpu.terms[name].data(), await cpu.terms[name].data(), 2e-3, 1e-5, `term ${name}`);
      }
      for (let k = 0; k < cpu.grads.length; k++) {
        const expected = await cpu.grads[k].data();
        const scale = Math.max(...Array.from(expected, Math.abs));
        expectClose(await webgpu.grads[k].data(), expected, 5e-3, 2e-3 * scale, `gradient ${k}`);
      }
    });
  }
});

describe('input sizes and channels', () => {
  for (const backbone of ['dcgan', 'resnet18'] as const) {
    // ResNet-18 keeps its full widths (64 to 512 channels), so it is checked at the smaller sizes only.
    const sizes =
      backbone === 'dcgan'
        ? ([
            [32, 1],
            [48, 3],
            [96, 1],
            [256, 3],
          ] as const)
        : ([
            [32, 1],
            [48, 3],
          ] as const);
    it(`${backbone}: sizes ${sizes.map(([s, c]) => `${s}x${s}x${c}`).join(', ')}`, async () => {
      await withDevice(gpu, async () => {
        for (const [imageSize, channels] of sizes) {
          const model = new Cavga(
            cavgaConfig({ backbone, imageSize, channels, latentChannels: 2, width: 2 }),
            new Generator(1),
          ).eval();
          const x = batchFor(model.config, 2, 3).images;
          const { features, mu } = model.encode(x);
          expect(mu.shape).toEqual([2, 2, imageSize / 8, imageSize / 8]);
          expect(features.shape[2]).toBe(imageSize / 8);
          expect(model.forward(x).shape).toEqual([2, channels, imageSize, imageSize]);
          expect(model.discriminator.forward(x).shape).toEqual([2]);
          await gpu.sync();
        }
      });
    });
  }
});

describe('Grad-CAM', () => {
  it('alpha differs between two different inputs (the attention is not a fixed channel mix)', async () => {
    await withDevice(gpu, async () => {
      const config = tiny({ imageSize: 32, width: 4, latentChannels: 4 });
      const model = new Cavga(config, new Generator(3)).eval();
      const alphas: Float32Array[] = [];
      for (const seed of [1, 2]) {
        const { features, mu } = model.encode(batchFor(config, 1, seed).images);
        alphas.push((await gradCam(features, ops.sum(mu)).alpha.data()) as Float32Array);
      }
      const diff = Math.max(...Array.from(alphas[0], (v, i) => Math.abs(v - alphas[1][i])));
      expect(diff).toBeGreaterThan(1e-4);
    });
  });
  it("the ||mu||^2/2 score does not depend on mu's sign; sum(mu) does (its map can die when sum(mu) < 0)", async () => {
    await withDevice(gpu, async () => {
      const attentionOf = async (model: Cavga, score: GradCamScore) => {
        const { features, mu } = model.encode(batchFor(model.config, 2, 4).images);
        return (await gradCam(features, latentScore(mu, score)).attention.data()) as Float32Array;
      };
      const model = new Cavga(tiny({ imageSize: 32, width: 4, latentChannels: 4 }), new Generator(3)).eval();
      const before = { sum: await attentionOf(model, 'sum'), norm: await attentionOf(model, 'squared-norm') };
      // Negate the mu half of the 1x1 head: mu -> -mu for every input, the posterior's fit unchanged.
      const head = model.head.heads as Conv2d;
      const cz = model.config.latentChannels;
      for (const p of [head.weight, head.bias!]) {
        const sign = tensor(
          Array.from({ length: p.shape[0] }, (_, i) => (i < cz ? -1 : 1)),
          [p.shape[0], ...p.shape.slice(1).map(() => 1)],
        );
        p.copy_(ops.mul(p, sign));
      }
      const after = { sum: await attentionOf(model, 'sum'), norm: await attentionOf(model, 'squared-norm') };
      expectClose(after.norm, before.norm, 1e-4, 1e-5, 'attention of ||mu||^2/2 after negating mu');
      const change = Math.max(...Array.from(after.sum, (v, i) => Math.abs(v - before.sum[i])));
      expect(change).toBeGreaterThan(0.1);
    });
  });
});

describe('logvar head initialisation', () => {
  it('logvarBias shifts the initial logvar and leaves mu and every other weight as they were', async () => {
    await withDevice(gpu, async () => {
      const images = batchFor(tiny({ imageSize: 32 }), 3, 6).images;
      const [plain, shifted] = [0, -6].map((logvarBias) =>
        new Cavga(tiny({ imageSize: 32, logvarBias }), new Generator(3)).eval(),
      );
      const a = plain.encode(images);
      const b = shifted.encode(images);
      expectClose(await b.mu.data(), await a.mu.data(), 0, 1e-6, 'mu');
      expectClose(
        await b.logvar.data(),
        Array.from(await a.logvar.data(), (v) => v - 6),
        0,
        1e-5,
        'logvar',
      );
    });
  });
});

describe('CAVGA training on WebGPU', () => {
  it('200 steps on a tiny synthetic set lower the reconstruction loss and raise mean attention', async () => {
    // A larger learning rate and attention weight than the defaults, so that 200 steps (about 30 s here) show both effects.
    const weights = { ...cavgaConfig().weights, attentionExpansion: 1 };
    const config = cavgaConfig({ imageSize: 32, channels: 1, latentChannels: 8, width: 8, lr: 2e-3, weights });
    const trainer = withDevice(gpu, () => new CavgaTrainer(new Cavga(config, new Generator(1)), 2));
    const images = withDevice(gpu, () => stripes(8));
    const logged: Record<string, Tensor>[] = [];
    for (let step = 0; step < 200; step++) {
      const losses = trainer.step({ images });
      if (step < 10 || step >= 190) logged.push(losses);
      else Object.values(losses).forEach((t) => t.dispose());
      await gpu.sync(); // lets Dawn process completions (see Backend.sync)
    }
    const read = async (name: string) => Promise.all(logged.map((l) => l[name].item()));
    const reconstruction = await read('reconstruction');
    const attention = await read('attentionMean');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(reconstruction.slice(-10))).toBeLessThan(0.6 * mean(reconstruction.slice(0, 10)));
    expect(mean(attention.slice(-10))).toBeGreaterThan(mean(attention.slice(0, 10)) + 0.2);
  });
});

/** n 32x32 striped textures with a little per-image noise: a tiny set of similar 'normal' images. */
function stripes(n: number): Tensor {
  const noise = randomValues(n * 32 * 32, 17);
  const values = new Float32Array(n * 32 * 32);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        const i = (b * 32 + y) * 32 + x;
        values[i] = 0.8 * Math.sin(x * 0.8 + y * 0.1) + 0.05 * noise[i];
      }
  return tensor(values, [n, 1, 32, 32]);
}
