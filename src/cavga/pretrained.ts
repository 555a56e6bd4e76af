// Optional initial weights from user-supplied safetensors files (nothing is downloaded): torchvision's resnet18 for
// CAVGA-R's encoder, and any subset of the model's own state dict (e.g. DC-GAN weights exported from PyTorch with this
// project's names) for either backbone.

import { tidy } from '../tensor/memory.ts';
import { loadSafetensors } from '../nn/checkpoint-file.ts';
import { loadIntoTensors, type DecodedSafetensors } from '../nn/safetensors-format.ts';
import type { Module } from '../nn/module.ts';
import type { Cavga } from './models/cavga.ts';

/**
 * Copies the named tensors of `decoded` into `module` (names relative to it). Every name must exist in the module with
 * the same shape; checked before anything is copied. Returns the names loaded.
 */
function loadSubset(module: Module, decoded: DecodedSafetensors, source: string): string[] {
  const own = module.stateDict();
  const expected = Object.fromEntries(
    Object.keys(decoded.tensors).map((k) => [k, own[k]?.shape ?? decoded.tensors[k].shape]),
  );
  const unknown = Object.keys(decoded.tensors).filter((k) => !own[k]);
  if (unknown.length) throw new Error(`${source}: tensors that the model does not have: ${unknown.join(', ')}`);
  const device = module.parameters()[0].backend;
  tidy(() => {
    const tensors = loadIntoTensors(decoded, expected, source, { device });
    for (const [name, t] of Object.entries(tensors)) own[name].copy_(t);
  });
  return Object.keys(decoded.tensors);
}

/**
 * Loads torchvision resnet18 weights (conv1.weight, bn1.*, layer1.0.conv1.weight, ...; fc.* is ignored) into CAVGA-R's
 * encoder. For grayscale models the RGB stem filters are summed over their input channels, the usual way to keep their
 * response to a gray image.
 */
export async function loadResNet18Weights(model: Cavga, path: string): Promise<string[]> {
  if (model.config.backbone !== 'resnet18')
    throw new Error(`${path}: ResNet-18 weights need the resnet18 backbone, the model uses ${model.config.backbone}`);
  const decoded = await loadSafetensors(path);
  const tensors = Object.fromEntries(Object.entries(decoded.tensors).filter(([k]) => !k.startsWith('fc.')));
  const stem = tensors['conv1.weight'];
  if (stem && model.config.channels === 1 && stem.shape[1] === 3) {
    const [o, , kh, kw] = stem.shape;
    const gray = new Float32Array(o * kh * kw);
    for (let i = 0; i < o; i++)
      for (let c = 0; c < 3; c++)
        for (let j = 0; j < kh * kw; j++) gray[i * kh * kw + j] += stem.data[(i * 3 + c) * kh * kw + j];
    tensors['conv1.weight'] = { ...stem, shape: [o, 1, kh, kw], data: gray };
  }
  return loadSubset(model.encoder, { tensors, metadata: decoded.metadata }, path);
}

/** Loads any subset of the model's state dict (PyTorch names, e.g. `encoder.body.0.weight`) as initial weights. */
export async function loadInitialWeights(model: Cavga, path: string): Promise<string[]> {
  return loadSubset(model, await loadSafetensors(path), path);
}
