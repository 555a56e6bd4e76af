// CAVGA's configuration. Every choice the paper leaves open is a field here, with the project's decision as the default
// (docs/cavga-spec.md and docs/cavga.md give the reasons).

import { LR_SCHEDULES, type LrSchedule } from '../anomaly/lr-schedule.ts';

export type Backbone = 'dcgan' | 'resnet18';
export type Supervision = 'unsupervised' | 'weakly';
export type AttentionNorm = 'max' | 'sigmoid';
/**
 * The unsupervised model's Grad-CAM score y: 'sum' is sum(mu) (the spec); 'squared-norm' is ||mu||^2 / 2, which does not
 * depend on mu's sign. With 'sum', an image whose sum(mu) is negative gets sum_k alpha_k F_k < 0 almost everywhere, so
 * ReLU leaves an all-zero map that no gradient can revive (docs/cavga.md, "Grad-CAM score").
 */
export type GradCamScore = 'sum' | 'squared-norm';
/**
 * What localises an anomaly at test time: 1 - Grad-CAM attention (CAVGA; A_a when weakly supervised), |A| (ADVAE), the
 * reconstruction error, 1 - SSIM, or 'attention-error': the reconstruction error, smoothed, weighted by CAVGA's
 * attention map (the error gives the detail the 1/8-side attention lacks; the attention damps error the model makes on
 * normal parts, such as an object's jittered edges).
 */
export const ANOMALY_MAPS = ['attention', 'attention-abs', 'error', 'ssim', 'attention-error'] as const;
export type AnomalyMap = (typeof ANOMALY_MAPS)[number];
/**
 * An image's score: mean |x - x_hat| (the paper's unsupervised score); the maximum of the anomaly map before its
 * per-image scaling; the classifier's probability of the anomalous class (the paper's weakly supervised score); or
 * 'error-latent', for whole-image anomalies such as a wrong digit: log(sum (x - x_hat)^2 / sum((x + 1)/2 + (x_hat + 1)/2))
 * + log(d^2) / 2, the squared error relative to the brightness (ink) of the image and its reconstruction, plus the log of
 * the Mahalanobis distance of mu from the normal images' latent means (latent-calibration.ts; flat latent only).
 */
export const IMAGE_SCORES = ['mean-error', 'map-max', 'classifier', 'error-latent'] as const;
export type ImageScore = (typeof IMAGE_SCORES)[number];
/** The test-time choices, which `cavga eval` may change for a trained model. */
export interface Scoring {
  anomalyMap: AnomalyMap;
  imageScore: ImageScore;
  /** 'error' and 'attention-error': sigma, in input pixels, of the Gaussian that smooths the error (0: no smoothing). */
  errorSmoothing: number;
  /** 'attention-error': the power of the attention map that weights the error (0: the error alone, 1: their product). */
  attentionExponent: number;
  /**
   * Standardise the map per pixel by its mean and spread over normal training images (the model's calibration, which
   * `cavga train` computes after training), and scale it by the most extreme calibration value instead of per image.
   */
  standardize: boolean;
}

/** Whether two scorings score and map alike (configs count by their scoring fields alone). */
export function sameScoring(a: Scoring, b: Scoring): boolean {
  return (
    a.anomalyMap === b.anomalyMap &&
    a.imageScore === b.imageScore &&
    a.errorSmoothing === b.errorSmoothing &&
    a.attentionExponent === b.attentionExponent &&
    a.standardize === b.standardize
  );
}

/** The paper's test protocol (mean |x - x_hat|; 1 - A, or A_a when weakly supervised), for comparison with other scorings. */
export const paperScoring = (scoring: Scoring): Scoring => ({
  ...scoring,
  anomalyMap: 'attention',
  imageScore: 'mean-error',
  standardize: false,
});

/** Maps whose values before per-image scaling say how anomalous an image is, so their maximum can be its score. */
export const SCORING_MAPS: readonly AnomalyMap[] = ['error', 'ssim', 'attention-error'];

export interface LossWeights {
  reconstruction: number; // w_r, on L = L_R + w_kl KL
  kl: number; // w_kl: 1 is the spec's L_R + KL; lower values trade the prior for sharper reconstructions
  adversarial: number; // w_adv
  attentionExpansion: number; // w_ae (unsupervised)
  classification: number; // w_c (weakly supervised)
  guidedAttention: number; // w_cga (weakly supervised)
}

export interface CavgaConfig extends Scoring {
  backbone: Backbone;
  supervision: Supervision;
  imageSize: number; // a multiple of 16 from 16 (tiny test models) to 256
  channels: 1 | 3;
  latentChannels: number; // C_z
  /** Base width of the DC-GAN encoder, decoder and discriminator (64 in DC-GAN). ResNet-18 keeps its own widths. */
  width: number;
  /** Ablation: a flat latent vector instead of a convolutional map. */
  flatLatent: boolean;
  /** Ablations: drop L_ae / L_cga, or the adversarial term (and with it the discriminator's update). */
  attentionLoss: boolean;
  adversarialLoss: boolean;
  /** Exact Grad-CAM in training: the attention losses differentiated through alpha (second order); false: alpha held constant. */
  secondOrderAttention: boolean;
  /** false: a plain autoencoder (z = mu, no KL, no noise), for the AE baselines. */
  variational: boolean;
  reconstructionLoss: 'mse' | 'ssim';
  attentionNorm: AttentionNorm;
  gradCamScore: GradCamScore;
  /** Initial bias of the logvar head: 0 starts the posterior at std 1; -6 at std 0.05, so the decoder sees mu from step 1. */
  logvarBias: number;
  weights: LossWeights;
  lr: number;
  /** 'cosine': the learning rate decays from lr to 0 over the run's steps; 'constant': it stays at lr. */
  lrSchedule: LrSchedule;
  betas: [number, number];
}

export const defaultWeights = (supervision: Supervision): LossWeights => ({
  reconstruction: 1,
  kl: 1,
  adversarial: 1,
  attentionExpansion: supervision === 'unsupervised' ? 0.01 : 0,
  classification: supervision === 'weakly' ? 0.001 : 0,
  guidedAttention: supervision === 'weakly' ? 0.01 : 0,
});

/** Any fields of a config; `weights` may name only the weights it changes. */
export type CavgaOverrides = Partial<Omit<CavgaConfig, 'weights'>> & { weights?: Partial<LossWeights> };

export function cavgaConfig(overrides: CavgaOverrides = {}): CavgaConfig {
  const supervision = overrides.supervision ?? 'unsupervised';
  const config: CavgaConfig = {
    backbone: 'dcgan',
    supervision,
    imageSize: 64,
    channels: 3,
    latentChannels: 64,
    width: 64,
    flatLatent: false,
    attentionLoss: true,
    adversarialLoss: true,
    secondOrderAttention: true,
    variational: true,
    reconstructionLoss: 'mse',
    anomalyMap: 'attention',
    imageScore: 'mean-error',
    errorSmoothing: 0,
    attentionExponent: 1,
    standardize: false,
    attentionNorm: 'max',
    gradCamScore: 'sum',
    logvarBias: 0,
    lr: 2e-4,
    lrSchedule: 'constant',
    betas: [0.5, 0.999],
    ...overrides,
    weights: { ...defaultWeights(supervision), ...overrides.weights },
  };
  validateConfig(config);
  return config;
}

export function validateConfig(c: CavgaConfig): void {
  const fail = (what: string) => {
    throw new Error(`CAVGA config: ${what}`);
  };
  if (!Number.isInteger(c.imageSize) || c.imageSize % 16 !== 0 || c.imageSize < 16 || c.imageSize > 256)
    fail(`imageSize must be a multiple of 16 from 16 to 256, got ${c.imageSize}`);
  if (c.channels !== 1 && c.channels !== 3) fail(`channels must be 1 or 3, got ${c.channels}`);
  if (c.backbone !== 'dcgan' && c.backbone !== 'resnet18')
    fail(`backbone must be 'dcgan' or 'resnet18', got '${c.backbone}'`);
  if (c.supervision !== 'unsupervised' && c.supervision !== 'weakly')
    fail(`supervision must be 'unsupervised' or 'weakly', got '${c.supervision}'`);
  if (!(c.latentChannels >= 1 && Number.isInteger(c.latentChannels)))
    fail(`latentChannels must be a positive integer, got ${c.latentChannels}`);
  if (!(c.width >= 1 && Number.isInteger(c.width))) fail(`width must be a positive integer, got ${c.width}`);
  if (c.attentionNorm !== 'max' && c.attentionNorm !== 'sigmoid')
    fail(`attentionNorm must be 'max' or 'sigmoid', got '${c.attentionNorm}'`);
  if (c.gradCamScore !== 'sum' && c.gradCamScore !== 'squared-norm')
    fail(`gradCamScore must be 'sum' or 'squared-norm', got '${c.gradCamScore}'`);
  if (!Number.isFinite(c.logvarBias)) fail(`logvarBias must be a finite number, got ${c.logvarBias}`);
  if (c.reconstructionLoss !== 'mse' && c.reconstructionLoss !== 'ssim')
    fail(`reconstructionLoss must be 'mse' or 'ssim', got '${c.reconstructionLoss}'`);
  if (!LR_SCHEDULES.includes(c.lrSchedule))
    fail(`lrSchedule must be one of ${LR_SCHEDULES.join(', ')}, got '${c.lrSchedule}'`);
  validateScoring(c);
  requireFlatLatentFor(c, c);
  if (c.imageScore === 'classifier' && c.supervision !== 'weakly')
    fail("imageScore 'classifier' needs a weakly supervised model (only those have a classifier)");
  for (const [k, v] of Object.entries(c.weights))
    if (!(v >= 0 && Number.isFinite(v))) fail(`loss weight ${k} must be a non-negative number, got ${v}`);
}

/** Checks the test-time choices, which `cavga eval` may also set for a trained model. */
export function validateScoring(c: Scoring): void {
  if (!ANOMALY_MAPS.includes(c.anomalyMap))
    throw new Error(`CAVGA config: anomalyMap must be one of ${ANOMALY_MAPS.join(', ')}, got '${c.anomalyMap}'`);
  if (!IMAGE_SCORES.includes(c.imageScore))
    throw new Error(`CAVGA config: imageScore must be one of ${IMAGE_SCORES.join(', ')}, got '${c.imageScore}'`);
  if (!(c.errorSmoothing >= 0 && c.errorSmoothing <= 16))
    throw new Error(`CAVGA config: errorSmoothing must be a sigma from 0 to 16 pixels, got ${c.errorSmoothing}`);
  if (!(c.attentionExponent >= 0 && c.attentionExponent <= 16))
    throw new Error(`CAVGA config: attentionExponent must be from 0 to 16, got ${c.attentionExponent}`);
  if (typeof c.standardize !== 'boolean')
    throw new Error(`CAVGA config: standardize must be true or false, got ${c.standardize}`);
  if (c.standardize && !SCORING_MAPS.includes(c.anomalyMap))
    throw new Error(
      `CAVGA config: standardize needs an anomaly map that keeps the error's scale (${SCORING_MAPS.join(', ')}), got '${c.anomalyMap}'`,
    );
  if (c.imageScore === 'map-max' && !SCORING_MAPS.includes(c.anomalyMap)) {
    throw new Error(
      `CAVGA config: imageScore 'map-max' needs an anomaly map that keeps the error's scale (${SCORING_MAPS.join(', ')}); '${c.anomalyMap}' is scaled to a maximum of 1 in every image`,
    );
  }
}

/**
 * Refuses the 'error-latent' score for a model with a convolutional latent: its mu has C_z x (s/8)^2 entries (2,048 at
 * 64 px), far more than the 256 calibration images, so their covariance says nothing about most directions.
 */
export function requireFlatLatentFor(scoring: Scoring, model: Pick<CavgaConfig, 'flatLatent'>): void {
  if (scoring.imageScore === 'error-latent' && !model.flatLatent)
    throw new Error(
      "CAVGA config: imageScore 'error-latent' needs a flat latent (flatLatent, --flat-latent yes): a latent map has too many entries for the calibration images' covariance",
    );
}

/** Side of the latent map: 1/8 of the input for both backbones. */
export const latentSide = (c: CavgaConfig) => c.imageSize / 8;

/** The models the project trains: CAVGA's four variants and the paper's baselines on the same engine. */
export const modelPresets = {
  'cavga-du': {},
  'cavga-dw': { supervision: 'weakly' },
  'cavga-ru': { backbone: 'resnet18' },
  'cavga-rw': { backbone: 'resnet18', supervision: 'weakly' },
  'ae-l2': { variational: false, adversarialLoss: false, attentionLoss: false, anomalyMap: 'error' },
  'ae-ssim': {
    variational: false,
    adversarialLoss: false,
    attentionLoss: false,
    reconstructionLoss: 'ssim',
    anomalyMap: 'ssim',
  },
  vae: { adversarialLoss: false, attentionLoss: false, anomalyMap: 'error' },
  advae: { adversarialLoss: false, attentionLoss: false, anomalyMap: 'attention-abs' },
} satisfies Record<string, CavgaOverrides>;

export type ModelName = keyof typeof modelPresets;

/**
 * `cavga train`'s defaults and the demo's new model: the paper's choices, changed where a few hundred steps on a CPU need
 * it (docs/cavga.md, "The default run").
 */
export const shortTraining = {
  width: 16,
  latentChannels: 32,
  lr: 1e-3,
  logvarBias: -6,
  gradCamScore: 'squared-norm',
  adversarialLoss: false,
  anomalyMap: 'error',
  imageScore: 'map-max',
  errorSmoothing: 2,
  attentionExponent: 1,
  standardize: true,
  weights: { kl: 0.01, adversarial: 0 },
} satisfies CavgaOverrides;

export function presetConfig(name: string, overrides: CavgaOverrides = {}): CavgaConfig {
  const preset = (modelPresets as Record<string, CavgaOverrides>)[name];
  if (!preset) throw new Error(`unknown model '${name}'; choose one of ${Object.keys(modelPresets).join(', ')}`);
  return cavgaConfig({ ...preset, ...overrides });
}
