// Public API for browsers: the engine and CAVGA's model, training and inference, with no Node module on any import path
// (npm run build bundles this file for browsers; src/index.ts adds the Node-only file functions to it).
export { Tensor } from './tensor/tensor.ts';
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
export { CavgaTrainer, type Batch, type StepLosses } from './cavga/trainer.ts';
export { trainLoop, type TrainingData, type TrainLoopOptions, type LoopEnd } from './cavga/train-loop.ts';
export { analyze, type Analysis } from './cavga/inference.ts';
export { calibrate } from './cavga/calibration.ts';
export {
  modelFromCheckpoint,
  newTrainer,
  trainingState,
  type SavedConfig,
  type SavedModel,
} from './cavga/saved-model.ts';
export { builtinTrainingData, type BuiltinTrainingOptions } from './cavga/builtin-training.ts';
export { DataError } from './cavga/data/errors.ts';
export {
  preprocess,
  fromInterleaved,
  stack as stackImages,
  type Image,
  type Preprocessing,
} from './cavga/data/image.ts';
export { decodeImageBlob } from './cavga/data/image-blob.ts';
export {
  syntheticGood,
  syntheticDefect,
  SYNTHETIC_CATEGORIES,
  type SyntheticCategory,
} from './cavga/data/synthetic-images.ts';
export { imageRaster } from './cavga/report/image-grid.ts';
export { heatmapRaster, overlayHeatmap, turbo } from './cavga/report/colormap.ts';
export { lossCurves, type LossSeries } from './cavga/report/plots.ts';
export type { Raster } from './cavga/report/raster.ts';
