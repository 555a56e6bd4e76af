// Public API for browsers: the engine, the detectors (CAVGA among them) with their training, evaluation and pictures,
// with no Node module on any import path (npm run build bundles this file for browsers; src/index.ts adds the Node-only
// file functions to it).
export { Tensor, readAll } from './tensor/tensor.ts';
export {
  tensor,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  fullLike,
  rand,
  randn,
  manualSeed,
  Generator,
  defaultGenerator,
  type CreateOptions,
  type RandomOptions,
} from './tensor/creation.ts';
export { tidy, keep, dispose } from './tensor/memory.ts';
export {
  init,
  getBackend,
  setDefaultDevice,
  withDevice,
  releaseWebGPU,
  formatAdapter,
  sync,
  memory,
  type DeviceName,
  type WebGPUOptions,
  type AdapterDescription,
} from './devices.ts';
export type { Backend, MemoryInfo } from './tensor/backend.ts';
export { noGrad, isGradEnabled, setGradEnabled, grad, backward, type GradOptions } from './autograd/index.ts';
export { gradcheck, gradgradcheck, type GradcheckOptions } from './autograd/gradcheck.ts';
export {
  add,
  sub,
  mul,
  div,
  pow,
  neg,
  abs,
  sign,
  exp,
  log,
  sqrt,
  rsqrt,
  square,
  reciprocal,
  relu,
  leakyRelu,
  sigmoid,
  tanh,
  cos,
  sin,
  maximum,
  minimum,
  gt,
  ge,
  lt,
  le,
  eq,
  ne,
  where,
  clamp,
  sum,
  mean,
  max,
  min,
  variance,
  reshape,
  flatten,
  unsqueeze,
  squeeze,
  permute,
  transpose,
  expand,
  slice,
  pad,
  cat,
  stack,
  matmul,
  bmm,
  linear,
  conv2d,
  convTranspose2d,
  maxPool2d,
  avgPool2d,
  globalAvgPool2d,
  detach,
  clone,
} from './autograd/index.ts';
export * as F from './nn/functional/index.ts';
export * as nn from './nn/index.ts';
export {
  checkpointContents,
  restoreCheckpoint,
  type TrainingState,
  type LoadedCheckpoint,
} from './nn/checkpoint-state.ts';

// What every detector shares: the Detector interface, datasets, calibration, training, evaluation, metrics and pictures
export type {
  Detector,
  StepDetector,
  OnePassDetector,
  DetectorAnalysis,
  DetectorKind,
  DetectorSpec,
  DetectorInput,
  SavedDetector,
  PaperProtocol,
  StepLosses,
  Supervision,
} from './anomaly/detector.ts';
export { detectorCheckpoint } from './anomaly/detector.ts';
export type { SettingSpec, SettingTable, Settings } from './anomaly/settings.ts';
export { toBatch, trainingData, normalTrainingData, type Batch, type TrainingData } from './anomaly/batch.ts';
export { trainLoop, type TrainLoopOptions, type LoopEnd } from './anomaly/train-loop.ts';
export { builtinTrainingData, type BuiltinTrainingOptions } from './anomaly/builtin-training.ts';
export { calibrateOn, evaluateDetector, fitAndEvaluate, type CategoryEvaluation } from './anomaly/evaluate.ts';
export { Dataset, type DataBatch } from './anomaly/data/dataset.ts';
export type { Sample, Split, SplitSamples } from './anomaly/data/sample.ts';
export { splitSamples, weaklySupervisedSplit, type SplitOptions } from './anomaly/data/split.ts';
export { DataError } from './anomaly/data/errors.ts';
export {
  preprocess,
  fromInterleaved,
  stack as stackImages,
  type Image,
  type Preprocessing,
} from './anomaly/data/image.ts';
export { decodeImageBlob } from './anomaly/data/image-blob.ts';
export {
  syntheticGood,
  syntheticDefect,
  SYNTHETIC_CATEGORIES,
  type SyntheticCategory,
} from './anomaly/data/synthetic-images.ts';
export {
  metricsReport,
  metricsMarkdown,
  metricsJson,
  type CategoryMetrics,
  type MetricsReport,
  type BaselineMetrics,
  type BaselineReport,
} from './anomaly/report/metrics.ts';
export { imageRaster, sampleGrid, type GridSample } from './anomaly/report/image-grid.ts';
export { heatmapRaster, overlayHeatmap, turbo } from './anomaly/report/colormap.ts';
export { lossCurves, rocCurves, type LossSeries } from './anomaly/report/plots.ts';
export type { Raster } from './anomaly/report/raster.ts';

// Model names -> detectors, and checkpoints -> detectors
export { DETECTORS, BASELINES, detectorKind, createDetector, detectorFromCheckpoint } from './detectors.ts';

// The baselines: no learning at all
export { PixelGaussianDetector } from './baselines/pixel-gaussian/detector.ts';
export { PcaDetector } from './baselines/pca/detector.ts';

// CAVGA
export {
  cavgaConfig,
  presetConfig,
  modelPresets,
  shortTraining,
  type GradCamScore,
  type AnomalyMap,
  type ImageScore,
  type Scoring,
  type CavgaConfig,
  type CavgaOverrides,
  type ModelName,
} from './cavga/config.ts';
export { Cavga } from './cavga/models/cavga.ts';
export { CavgaTrainer } from './cavga/trainer.ts';
export { CavgaDetector } from './cavga/detector.ts';
export { analyze, type Analysis } from './cavga/inference.ts';
export { calibrate } from './cavga/calibration.ts';
export {
  modelFromCheckpoint,
  newTrainer,
  trainingState,
  type SavedConfig,
  type SavedModel,
} from './cavga/saved-model.ts';
