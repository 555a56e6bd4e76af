// CAVGA: models, Grad-CAM, losses and the training step.
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
export { CavgaTrainer, generatorObjective, type Batch, type StepLosses, type ObjectiveOptions } from './trainer.ts';
export { analyze, type Analysis } from './inference.ts';
export { calibrate } from './calibration.ts';
export { ssimMap, ssimLoss } from './ssim.ts';
export { loadResNet18Weights, loadInitialWeights } from './pretrained.ts';
