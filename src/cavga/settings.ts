// CAVGA's settings as `cavga train` and `cavga eval` offer them (anomaly/settings.ts), and the config they give: the
// paper's presets (config.ts), changed where short training on a CPU needs it (shortTraining) unless a setting says
// otherwise.

import { withDefaults, type SettingTable, type Settings } from '../anomaly/settings.ts';
import type { DetectorInput } from '../anomaly/detector.ts';
import { LR_SCHEDULES, type LrSchedule } from '../anomaly/lr-schedule.ts';
import {
  ANOMALY_MAPS,
  IMAGE_SCORES,
  SCORING_MAPS,
  presetConfig,
  shortTraining,
  type AnomalyMap,
  type CavgaConfig,
  type GradCamScore,
  type ImageScore,
  type ModelName,
  type Scoring,
} from './config.ts';
import type { SavedConfig } from './saved-model.ts';

/** The test-time settings; `defaultOf` describes each one's default for the help text. */
const scoringTable = (defaultOf: (key: keyof Scoring) => string): SettingTable => ({
  'anomaly-map': {
    type: 'string',
    choices: ANOMALY_MAPS,
    help: `localisation map: 1 - A (the paper), |A|, the error, 1 - SSIM, or the smoothed error weighted by the attention ${defaultOf('anomalyMap')}`,
  },
  'image-score': {
    type: 'string',
    choices: IMAGE_SCORES,
    help: `image score: mean |x - x_hat| (the paper), the map's maximum, the classifier's anomalous-class probability (weakly supervised; the paper's), or the relative error with mu's distance from normal images' (flat latent) ${defaultOf('imageScore')}`,
  },
  'error-smoothing': {
    type: 'number',
    min: 0,
    help: `attention-error map: sigma in pixels of the Gaussian on the error, 0 for none ${defaultOf('errorSmoothing')}`,
  },
  'attention-exponent': {
    type: 'number',
    min: 0,
    help: `attention-error map: power of the attention map that weights the error ${defaultOf('attentionExponent')}`,
  },
  standardize: {
    type: 'string',
    choices: ['yes', 'no'],
    help: `standardise the map per pixel by normal training images' error ${defaultOf('standardize')}`,
  },
});

function yesNo(value: unknown): unknown {
  return value === true ? 'yes' : value === false ? 'no' : value;
}

/**
 * Named presets, one per kind of data: `cavga train --preset <name>` fills each option of the table that the command
 * line does not give (option names as on the command line, values as they parse). docs/cavga.md gives each one's
 * measurements.
 */
export const PRESETS: Record<string, { help: string; options: Settings }> = {
  textures: {
    help: 'repeating surfaces (fabric, wood, tiles, perforated sheet): 100 steps, no discriminator, error sigma 2',
    options: { steps: 100, 'w-adv': 0, 'error-smoothing': 2 },
  },
  objects: {
    help: 'one part on a plain background (washer, screw): 200 steps, no discriminator, error sigma 2',
    options: { steps: 200, 'w-adv': 0, 'error-smoothing': 2 },
  },
  'small-gray': {
    help: 'small gray images of one centred object (MNIST-like; docs/cavga.md, "MNIST one-class"): 32 px, flat latent, 400 steps of cosine lr, the error-latent score',
    options: {
      'image-size': 32,
      channels: 1,
      'batch-size': 16,
      steps: 400,
      width: 16,
      'latent-channels': 32,
      'flat-latent': 'yes',
      'w-adv': 0,
      lr: 1e-3,
      'lr-schedule': 'cosine',
      'w-kl': 0.01,
      'w-ae': 0.01,
      'logvar-bias': -6,
      'gradcam-score': 'squared-norm',
      'image-score': 'error-latent',
      'anomaly-map': 'error',
      'error-smoothing': 1,
      standardize: 'yes',
    },
  },
};

/** The preset a kind of dataset gets when `--preset` is not given. */
export const DATASET_PRESETS: Record<string, string> = { mnist: 'small-gray' };

/** What a trained CAVGA model's scoring may change to (`cavga eval`). */
export const cavgaScoringSettings = scoringTable(() => "(default: the checkpoint's)");

/** Everything a new CAVGA model (or a baseline built from its parts) takes. */
export const cavgaSettings: SettingTable = {
  width: {
    type: 'integer',
    default: shortTraining.width,
    min: 1,
    help: 'base width of the DC-GAN networks (the paper: 64)',
  },
  'latent-channels': {
    type: 'integer',
    default: shortTraining.latentChannels,
    min: 1,
    help: 'channels of the latent map (the paper: 64)',
  },
  lr: { type: 'number', default: shortTraining.lr, min: 0, help: 'learning rate of both Adams (the paper: 2e-4)' },
  'lr-schedule': {
    type: 'string',
    choices: LR_SCHEDULES,
    default: 'constant',
    help: 'learning rate over the steps: constant, or a cosine decay to 0 at the last step',
  },
  'w-recon': { type: 'number', min: 0, help: 'weight of the VAE loss' },
  'w-kl': {
    type: 'number',
    default: shortTraining.weights.kl,
    min: 0,
    help: 'weight of the KL term inside the VAE loss (the paper: 1)',
  },
  'w-adv': {
    type: 'number',
    default: shortTraining.weights.adversarial,
    min: 0,
    help: 'weight of the adversarial loss, 0 to drop the discriminator and its update (the paper: 1)',
  },
  'w-ae': {
    type: 'number',
    min: 0,
    help: "weight of the attention expansion loss, 0 to drop it and Grad-CAM from training (default: the paper's 0.01)",
  },
  'flat-latent': {
    type: 'string',
    choices: ['yes', 'no'],
    help: "a flat latent vector (linear head) instead of the latent map (default: the model's; CAVGA's: no)",
  },
  'gradcam-gradient': {
    type: 'string',
    choices: ['exact', 'first-order'],
    default: 'exact',
    help: 'attention losses differentiated through the Grad-CAM weights alpha (exact, second order) or with alpha held constant',
  },
  'gradcam-score': {
    type: 'string',
    choices: ['squared-norm', 'sum'],
    default: shortTraining.gradCamScore,
    help: 'Grad-CAM score y: ||mu||^2/2, or sum(mu) as the spec (unsupervised)',
  },
  'logvar-bias': {
    type: 'number',
    default: shortTraining.logvarBias,
    help: 'initial bias of the logvar head (0: the posterior starts at std 1)',
  },
  ...scoringTable(
    (key) =>
      `(default: ${yesNo(shortTraining[key])}${key === 'anomalyMap' ? "; the baselines: their papers' maps" : key === 'imageScore' ? '; the baselines: mean-error' : ''})`,
  ),
  'w-cls': { type: 'number', min: 0, help: 'weight of the classification loss (weakly supervised)' },
  'w-cga': {
    type: 'number',
    min: 0,
    help: 'weight of the complementary guided attention loss, 0 to drop it (weakly supervised)',
  },
};

const unsupervisedOnly = (c: CavgaConfig) =>
  c.supervision === 'unsupervised' ? null : 'it is weakly supervised (its attention comes from its classifier)';

/** The settings that only some presets use: why a preset does not (null: it does). */
const USED_BY: Record<string, (c: CavgaConfig) => string | null> = {
  'w-adv': (c) => (c.adversarialLoss ? null : 'it has no discriminator (no adversarial loss)'),
  'w-ae': (c) => unsupervisedOnly(c) ?? (c.attentionLoss ? null : 'it has no attention loss'),
  'w-cls': (c) =>
    c.supervision === 'weakly' ? null : 'it is unsupervised (no classifier; cavga-dw and cavga-rw have one)',
  'w-cga': (c) =>
    c.supervision !== 'weakly'
      ? 'it is unsupervised (the guided attention loss needs labels; cavga-dw and cavga-rw take it)'
      : c.attentionLoss
        ? null
        : 'it has no attention loss',
  'w-kl': (c) => (c.variational ? null : 'it is a plain autoencoder (no KL term)'),
  'logvar-bias': (c) => (c.variational ? null : 'it is a plain autoencoder (no logvar head)'),
  'gradcam-score': unsupervisedOnly,
  'gradcam-gradient': (c) => (c.attentionLoss ? null : 'it has no attention loss'),
};

/** Why `setting` (one of cavgaSettings) does nothing for `model`, or null when it applies. */
export function cavgaWhyNot(model: ModelName, setting: string): string | null {
  return USED_BY[setting]?.(presetConfig(model)) ?? null;
}

/**
 * The scoring the settings ask for, `defaults` filling what they leave out; where the chosen map cannot carry a default
 * (an attention map has no error scale to take the maximum of or to standardise), the paper's choice fills in instead.
 */
export function scoringOf(v: Settings, defaults: Scoring): Scoring {
  const anomalyMap = (v['anomaly-map'] as AnomalyMap | undefined) ?? defaults.anomalyMap;
  const scaled = SCORING_MAPS.includes(anomalyMap);
  return {
    anomalyMap,
    imageScore:
      (v['image-score'] as ImageScore | undefined) ??
      (scaled || defaults.imageScore === 'classifier' ? defaults.imageScore : 'mean-error'),
    errorSmoothing: (v['error-smoothing'] as number | undefined) ?? defaults.errorSmoothing,
    attentionExponent: (v['attention-exponent'] as number | undefined) ?? defaults.attentionExponent,
    standardize: v.standardize === undefined ? defaults.standardize && scaled : v.standardize === 'yes',
  };
}

/** The config of a new `model` from cavgaSettings' values (undefined: the default); throws naming a bad value. */
export function cavgaSavedConfig(model: ModelName, input: DetectorInput, values: Settings): SavedConfig {
  const v = withDefaults(cavgaSettings, values);
  const base = presetConfig(model);
  const weights = { ...base.weights };
  const set = (key: keyof typeof weights, setting: string) => {
    if (v[setting] !== undefined) weights[key] = v[setting] as number;
  };
  set('reconstruction', 'w-recon');
  set('kl', 'w-kl');
  set('adversarial', 'w-adv');
  set('attentionExpansion', 'w-ae');
  set('classification', 'w-cls');
  set('guidedAttention', 'w-cga');
  // A zero weight drops its term's work too: the discriminator's update, or the Grad-CAM passes of the attention loss.
  const attentionWeight = base.supervision === 'weakly' ? weights.guidedAttention : weights.attentionExpansion;
  const cavga = presetConfig(model, {
    adversarialLoss: base.adversarialLoss && weights.adversarial > 0,
    attentionLoss: base.attentionLoss && attentionWeight > 0,
    ...(v['flat-latent'] !== undefined && { flatLatent: v['flat-latent'] === 'yes' }),
    secondOrderAttention: v['gradcam-gradient'] === 'exact',
    lrSchedule: v['lr-schedule'] as LrSchedule,
    imageSize: input.imageSize,
    channels: input.channels,
    width: v.width as number,
    latentChannels: v['latent-channels'] as number,
    weights,
    lr: v.lr as number,
    gradCamScore: v['gradcam-score'] as GradCamScore,
    logvarBias: v['logvar-bias'] as number,
    // The baselines keep the maps and scores of their papers.
    ...scoringOf(v, model.startsWith('cavga') ? shortTraining : base),
  });
  return { cavga, seed: input.seed };
}
