// One CAVGA training iteration: a discriminator update, then an encoder/decoder (and classifier) update, each with its
// own Adam. Everything stays on the device; the returned loss terms are tensors the caller may read when it logs.

import { grad } from '../autograd/engine.ts';
import { noGrad } from '../autograd/graph.ts';
import { add, detach, mean, mulScalar, rsubScalar, slice, stack, sum } from '../autograd/ops/index.ts';
import { Generator, randn } from '../tensor/creation.ts';
import { tidy } from '../tensor/memory.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Adam } from '../nn/index.ts';
import { gradCam, latentScore } from './gradcam.ts';
import {
  attentionExpansionLoss,
  classificationLoss,
  discriminatorLoss,
  generatorAdversarialLoss,
  guidedAttentionLoss,
  klDivergence,
  reconstructionLoss,
} from './losses.ts';
import type { Cavga } from './models/cavga.ts';
import { latentSide } from './config.ts';
import { ssimLoss } from './ssim.ts';
import type { Batch } from '../anomaly/batch.ts';
import { lrFactor, type TrainingProgress } from '../anomaly/lr-schedule.ts';
import type { StepLosses } from '../anomaly/detector.ts';

export interface ObjectiveOptions {
  /** Differentiate the attention losses through alpha (default: the config's secondOrderAttention). */
  secondOrder?: boolean;
  /** Runs once the reconstruction exists and before the discriminator scores it: the trainer's discriminator update. */
  beforeAdversarial?: (xHat: Tensor) => void;
}

/**
 * The encoder/decoder objective of one batch with the noise eps given (so gradient checks can hold it fixed): every loss
 * term by name, `total` the weighted sum, `xHat` the reconstruction.
 */
export function generatorObjective(
  model: Cavga,
  batch: Batch,
  eps: Tensor,
  options: ObjectiveOptions = {},
): StepLosses {
  const c = model.config;
  const w = c.weights;
  const { features, mu, logvar } = model.encode(batch.images);
  const z = c.variational ? model.reparameterize(mu, logvar, eps) : mu;
  const xHat = model.decode(z);
  const terms: StepLosses = {
    reconstruction:
      c.reconstructionLoss === 'ssim' ? ssimLoss(xHat, batch.images) : reconstructionLoss(xHat, batch.images),
  };
  if (c.variational) terms.kl = klDivergence(mu, logvar);
  let total = mulScalar(
    terms.kl ? add(terms.reconstruction, mulScalar(terms.kl, w.kl)) : terms.reconstruction,
    w.reconstruction,
  );
  options.beforeAdversarial?.(xHat);
  if (c.adversarialLoss) {
    terms.adversarial = generatorAdversarialLoss(model.discriminator.forward(xHat));
    total = add(total, mulScalar(terms.adversarial, w.adversarial));
  }
  const createGraph = options.secondOrder ?? c.secondOrderAttention;
  if (c.supervision === 'unsupervised' && c.attentionLoss) {
    const { attention } = gradCam(features, latentScore(mu, c.gradCamScore), {
      createGraph,
      normalize: c.attentionNorm,
    });
    terms.attentionMean = noGrad(() => mean(attention));
    terms.attentionExpansion = attentionExpansionLoss(attention);
    total = add(total, mulScalar(terms.attentionExpansion, w.attentionExpansion));
  } else if (c.supervision === 'weakly') {
    if (!batch.labels) throw new Error('CAVGA: the weakly supervised step needs labels');
    const logits = model.classify(z);
    const oneHot = stack([rsubScalar(batch.labels, 1), batch.labels], 1);
    terms.classification = classificationLoss(logits, oneHot);
    total = add(total, mulScalar(terms.classification, w.classification));
    if (c.attentionLoss) {
      const normal = gradCam(features, sum(slice(logits, 1, 0, 1)), {
        createGraph,
        normalize: c.attentionNorm,
      }).attention;
      const anomalous = gradCam(features, sum(slice(logits, 1, 1, 2)), {
        createGraph,
        normalize: c.attentionNorm,
      }).attention;
      terms.guidedAttention = guidedAttentionLoss(normal, anomalous, logits, rsubScalar(batch.labels, 1));
      terms.attentionMean = noGrad(() => mean(normal));
      total = add(total, mulScalar(terms.guidedAttention, w.guidedAttention));
    }
  }
  terms.total = total;
  terms.xHat = xHat;
  return terms;
}

export class CavgaTrainer {
  readonly optimizerG: Adam;
  readonly optimizerD: Adam;
  /** Draws the reparameterisation noise; its state is saved with checkpoints so a resumed run repeats the same draws. */
  readonly noise: Generator;

  constructor(
    readonly model: Cavga,
    seed = 1,
  ) {
    const { lr, betas } = model.config;
    this.optimizerG = new Adam(model.generatorParameters(), { lr, betas });
    this.optimizerD = new Adam(model.discriminator.parameters(), { lr, betas });
    this.noise = new Generator(seed);
  }

  /** Shape of the noise eps for a batch of n images. */
  noiseShape(n: number): number[] {
    const c = this.model.config;
    return c.flatLatent ? [n, c.latentChannels] : [n, c.latentChannels, latentSide(c), latentSide(c)];
  }

  /**
   * One iteration at `progress` (which sets both Adams' learning rate by the config's schedule); returns the loss terms
   * as device scalars that outlive the step (the caller disposes them).
   */
  step(batch: Batch, progress: TrainingProgress = { step: 0, steps: 1 }): StepLosses {
    const model = this.model;
    const lr = model.config.lr * lrFactor(model.config.lrSchedule, progress);
    for (const optimizer of [this.optimizerG, this.optimizerD]) for (const g of optimizer.groups) g.options.lr = lr;
    model.train();
    return tidy(() => {
      const losses: StepLosses = {};
      const eps = randn(this.noiseShape(batch.images.shape[0]), {
        generator: this.noise,
        device: batch.images.backend,
      });
      const terms = generatorObjective(model, batch, eps, {
        beforeAdversarial: (xHat) => {
          if (!model.config.adversarialLoss) return;
          const d = model.discriminator;
          losses.discriminator = discriminatorLoss(d.forward(batch.images), d.forward(detach(xHat)));
          applyGradients(this.optimizerD, losses.discriminator);
        },
      });
      applyGradients(this.optimizerG, terms.total);
      for (const [k, t] of Object.entries(terms)) if (k !== 'xHat') losses[k] = detach(t);
      return losses;
    });
  }
}

/** Gradients of `loss` for the optimiser's parameters (unused ones skipped), then one step. */
function applyGradients(optimizer: Adam, loss: Tensor): void {
  const params = optimizer.groups.flatMap((g) => g.params);
  const grads = grad(loss, params, { allowUnused: true });
  params.forEach((p, k) => (p.grad = grads[k]));
  optimizer.step();
  params.forEach((p) => (p.grad = null));
}
