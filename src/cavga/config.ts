// CAVGA's configuration. Every choice the paper leaves open is a field here, with the project's decision as the default
// (../shared/cavga-spec.md and docs/cavga.md give the reasons).

export type Backbone = 'dcgan' | 'resnet18';
export type Supervision = 'unsupervised' | 'weakly';
export type AttentionNorm = 'max' | 'sigmoid';
/**
 * The unsupervised model's Grad-CAM score y: 'sum' is sum(mu) (the spec); 'squared-norm' is ||mu||^2 / 2, which does not
 * depend on mu's sign. With 'sum', an image whose sum(mu) is negative gets sum_k alpha_k F_k < 0 almost everywhere, so
 * ReLU leaves an all-zero map that no gradient can revive (docs/cavga.md, "Grad-CAM score").
 */
export type GradCamScore = 'sum' | 'squared-norm';
/** What localises an anomaly at test time: 1 - Grad-CAM attention (CAVGA), |A| (ADVAE), the reconstruction error, or 1 - SSIM. */
export type AnomalyMap = 'attention' | 'attention-abs' | 'error' | 'ssim';

export interface LossWeights {
  reconstruction: number; // w_r, on L = L_R + w_kl KL
  kl: number; // w_kl: 1 is the spec's L_R + KL; lower values trade the prior for sharper reconstructions
  adversarial: number; // w_adv
  attentionExpansion: number; // w_ae (unsupervised)
  classification: number; // w_c (weakly supervised)
  guidedAttention: number; // w_cga (weakly supervised)
}

export interface CavgaConfig {
  backbone: Backbone;
  supervision: Supervision;
  imageSize: number; // a multiple of 16 from 16 (tiny test models) to 256
  channels: 1 | 3;
  latentChannels: number; // C_z
  /** Base width of the DC-GAN encoder, decoder and discriminator (64 in DC-GAN). ResNet-18 keeps its own widths. */
  width: number;
  /** Ablation: a flat latent vector instead of a convolutional map. */
  flatLatent: boolean;
  /** Ablations: drop L_ae / L_cga, or the adversarial term. */
  attentionLoss: boolean;
  adversarialLoss: boolean;
  /** false: a plain autoencoder (z = mu, no KL, no noise), for the AE baselines. */
  variational: boolean;
  reconstructionLoss: 'mse' | 'ssim';
  anomalyMap: AnomalyMap;
  attentionNorm: AttentionNorm;
  gradCamScore: GradCamScore;
  /** Initial bias of the logvar head: 0 starts the posterior at std 1; -6 at std 0.05, so the decoder sees mu from step 1. */
  logvarBias: number;
  weights: LossWeights;
  lr: number;
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
    variational: true,
    reconstructionLoss: 'mse',
    anomalyMap: 'attention',
    attentionNorm: 'max',
    gradCamScore: 'sum',
    logvarBias: 0,
    lr: 2e-4,
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
  if (!Number.isInteger(c.imageSize) || c.imageSize % 16 !== 0 || c.imageSize < 16 || c.imageSize > 256) fail(`imageSize must be a multiple of 16 from 16 to 256, got ${c.imageSize}`);
  if (c.channels !== 1 && c.channels !== 3) fail(`channels must be 1 or 3, got ${c.channels}`);
  if (c.backbone !== 'dcgan' && c.backbone !== 'resnet18') fail(`backbone must be 'dcgan' or 'resnet18', got '${c.backbone}'`);
  if (c.supervision !== 'unsupervised' && c.supervision !== 'weakly') fail(`supervision must be 'unsupervised' or 'weakly', got '${c.supervision}'`);
  if (!(c.latentChannels >= 1 && Number.isInteger(c.latentChannels))) fail(`latentChannels must be a positive integer, got ${c.latentChannels}`);
  if (!(c.width >= 1 && Number.isInteger(c.width))) fail(`width must be a positive integer, got ${c.width}`);
  if (c.attentionNorm !== 'max' && c.attentionNorm !== 'sigmoid') fail(`attentionNorm must be 'max' or 'sigmoid', got '${c.attentionNorm}'`);
  if (c.gradCamScore !== 'sum' && c.gradCamScore !== 'squared-norm') fail(`gradCamScore must be 'sum' or 'squared-norm', got '${c.gradCamScore}'`);
  if (!Number.isFinite(c.logvarBias)) fail(`logvarBias must be a finite number, got ${c.logvarBias}`);
  if (c.reconstructionLoss !== 'mse' && c.reconstructionLoss !== 'ssim') fail(`reconstructionLoss must be 'mse' or 'ssim', got '${c.reconstructionLoss}'`);
  if (!['attention', 'attention-abs', 'error', 'ssim'].includes(c.anomalyMap)) fail(`anomalyMap must be attention, attention-abs, error or ssim, got '${c.anomalyMap}'`);
  for (const [k, v] of Object.entries(c.weights)) if (!(v >= 0 && Number.isFinite(v))) fail(`loss weight ${k} must be a non-negative number, got ${v}`);
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
  'ae-ssim': { variational: false, adversarialLoss: false, attentionLoss: false, reconstructionLoss: 'ssim', anomalyMap: 'ssim' },
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
  weights: { kl: 0.01, adversarial: 0.01, attentionExpansion: 0.1 },
} satisfies CavgaOverrides;

export function presetConfig(name: string, overrides: CavgaOverrides = {}): CavgaConfig {
  const preset = (modelPresets as Record<string, CavgaOverrides>)[name];
  if (!preset) throw new Error(`unknown model '${name}'; choose one of ${Object.keys(modelPresets).join(', ')}`);
  return cavgaConfig({ ...preset, ...overrides });
}
