// Layers, initialisers and optimisers, like torch.nn and torch.optim.
import '../devices.ts'; // registers the backends: `import { nn }` alone can make tensors
export { Module } from './module.ts';
export { Conv2d, ConvTranspose2d, type ConvOptions, type ConvTransposeOptions } from './layers/conv.ts';
export { BatchNorm2d, type BatchNormOptions } from './layers/batchnorm.ts';
export { Linear } from './layers/linear.ts';
export { ReLU, LeakyReLU, Tanh, Sigmoid, Flatten, MaxPool2d, Upsample } from './layers/simple.ts';
export { Sequential } from './layers/sequential.ts';
export { BasicBlock } from './layers/resnet-block.ts';
export * as init from './init.ts';
export { Optimizer } from './optim/optimizer.ts';
export { Adam, type AdamOptions } from './optim/adam.ts';
export { SGD, type SGDOptions } from './optim/sgd.ts';
export {
  encodeSafetensors,
  decodeSafetensors,
  loadIntoTensors,
  type DecodedSafetensors,
  type TensorValues,
} from './safetensors-format.ts';
