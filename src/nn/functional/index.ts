// The functional API, like torch.nn.functional.
export {
  conv2d,
  convTranspose2d,
  linear,
  maxPool2d,
  avgPool2d,
  globalAvgPool2d,
  relu,
  leakyRelu,
  sigmoid,
  tanh,
  pad,
} from '../../autograd/index.ts';
export { batchNorm } from './normalization.ts';
export { binaryCrossEntropyWithLogits, l1Loss, logSoftmax, mseLoss, type Reduction } from './losses.ts';
export { interpolate, type InterpolateMode, type InterpolateOptions } from './interpolate.ts';
