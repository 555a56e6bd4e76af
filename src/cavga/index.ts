// CAVGA: models, Grad-CAM, losses, the training step, and the model as a detector.
export {
  cavgaConfig,
  presetConfig,
  shortTraining,
  type CavgaOverrides,
  modelPresets,
  validateConfig,
  latentSide,
  type ModelName,
  type AnomalyMap,
  type ImageScore,
  type Scoring,
  validateScoring,
  sameScoring,
  paperScoring,
  type CavgaConfig,
  type LossWeights,
  type Backbone,
  type Supervision,
  type AttentionNorm,
  type GradCamScore,
} from './config.ts';
export { Cavga, type Encoded } from './models/cavga.ts';
export { gradCam, latentScore, upsampleAttention, type GradCam, type GradCamOptions } from './gradcam.ts';
export * from './losses.ts';
export { CavgaTrainer, generatorObjective, type ObjectiveOptions } from './trainer.ts';
export type { Batch } from '../anomaly/batch.ts';
export type { StepLosses } from '../anomaly/detector.ts';
export { analyze, type Analysis } from './inference.ts';
export { calibrate } from './calibration.ts';
export { CavgaDetector, cavgaKind, PAPER_PROTOCOL_TITLE } from './detector.ts';
export { cavgaSettings, cavgaScoringSettings, scoringOf } from './settings.ts';
export { ssimMap, ssimLoss } from './ssim.ts';
export { loadResNet18Weights, loadInitialWeights } from './pretrained.ts';
