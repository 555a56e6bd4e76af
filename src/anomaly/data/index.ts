// Data: the built-in synthetic dataset, loaders for MVTec AD, plain folders, MNIST and CIFAR-10, the train / validation /
// test split (weakly supervised too), and in-memory datasets that give pre-processed batches.
export { DataError } from './errors.ts';
export {
  type Image,
  createImage,
  resize,
  convertChannels,
  preprocess,
  preprocessMask,
  stack,
  type Preprocessing,
} from './image.ts';
export { readPng, decodePng, writePng, encodePng } from './png.ts';
export type { Sample, SplitSamples, Split } from './sample.ts';
export { loadMvtec } from './mvtec.ts';
export { loadFolder, type FolderOptions } from './folder.ts';
export { readIdx, decodeIdx, type IdxArray } from './idx.ts';
export { loadMnist, loadMnistPackage, findMnistPackage } from './mnist.ts';
export { loadCifar10, CIFAR10_CLASSES } from './cifar10.ts';
export type { OneClassOptions } from './one-class.ts';
export { splitSamples, weaklySupervisedSplit, type SplitOptions } from './split.ts';
export { Dataset, inMemory, type DataBatch, type SampleReader } from './dataset.ts';
export { loadSplit, loadImageFiles } from './loader.ts';
export {
  ensureSynthetic,
  syntheticFolder,
  SYNTHETIC_VERSION,
  type SyntheticOptions,
  type SyntheticCounts,
} from './synthetic.ts';
export {
  SYNTHETIC_CATEGORIES,
  DEFECT_KINDS,
  syntheticGood,
  syntheticDefect,
  type SyntheticCategory,
  type SyntheticDefect,
} from './synthetic-images.ts';
