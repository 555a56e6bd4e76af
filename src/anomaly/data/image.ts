// Images on the CPU and the one pre-processing path shared by training, evaluation and inference: resize to the model's
// side, convert channels only when asked, and map [0, 1] to the model's input range [-1, 1] in NCHW batches.

import { DataError } from './errors.ts';

/** Planar (CHW) float image: data[(c * height + y) * width + x], values in [0, 1]. CHW matches the models' NCHW batches. */
export interface Image {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

export const createImage = (width: number, height: number, channels: number): Image => ({
  width,
  height,
  channels,
  data: new Float32Array(width * height * channels),
});

/**
 * A planar image from interleaved pixels (pngjs and canvas ImageData both give RGBA): the first `channels` samples of
 * each `stride`-sample pixel, divided by `max`.
 */
export function fromInterleaved(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  stride: number,
  max: number,
): Image {
  const img = createImage(width, height, channels);
  const n = width * height;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < n; i++) img.data[c * n + i] = pixels[i * stride + c] / max;
  }
  return img;
}

/** Resampling weights of one axis: for each output index, the first input index and the weights from there. */
function axisWeights(inSize: number, outSize: number): { start: number; weights: Float32Array }[] {
  const scale = inSize / outSize;
  // A triangle (bilinear) kernel, widened by the scale factor when shrinking so every input pixel contributes (antialiasing).
  const support = Math.max(scale, 1);
  return Array.from({ length: outSize }, (_, i) => {
    const center = (i + 0.5) * scale;
    const start = Math.max(0, Math.floor(center - support));
    const end = Math.min(inSize, Math.ceil(center + support));
    const weights = new Float32Array(end - start);
    let sum = 0;
    for (let j = start; j < end; j++)
      sum += weights[j - start] = Math.max(0, 1 - Math.abs((j + 0.5 - center) / support));
    for (let k = 0; k < weights.length; k++) weights[k] /= sum;
    return { start, weights };
  });
}

/** Bilinear resize (antialiased when shrinking), separable: rows first, then columns. Pixel centres are aligned. */
export function resize(img: Image, width: number, height: number): Image {
  if (img.width === width && img.height === height) return img;
  const wx = axisWeights(img.width, width);
  const wy = axisWeights(img.height, height);
  const rows = new Float32Array(img.channels * img.height * width);
  const out = createImage(width, height, img.channels);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < img.height; y++) {
      const src = (c * img.height + y) * img.width;
      for (let x = 0; x < width; x++) {
        const { start, weights } = wx[x];
        let v = 0;
        for (let k = 0; k < weights.length; k++) v += weights[k] * img.data[src + start + k];
        rows[(c * img.height + y) * width + x] = v;
      }
    }
    for (let y = 0; y < height; y++) {
      const { start, weights } = wy[y];
      for (let x = 0; x < width; x++) {
        let v = 0;
        for (let k = 0; k < weights.length; k++) v += weights[k] * rows[(c * img.height + start + k) * width + x];
        out.data[(c * height + y) * width + x] = v;
      }
    }
  }
  return out;
}

/** RGB to gray by Rec. 601 luminance; gray to RGB by repetition. */
export function convertChannels(img: Image, channels: 1 | 3): Image {
  if (img.channels === channels) return img;
  const n = img.width * img.height;
  const out = createImage(img.width, img.height, channels);
  if (channels === 1) {
    for (let i = 0; i < n; i++)
      out.data[i] = 0.299 * img.data[i] + 0.587 * img.data[n + i] + 0.114 * img.data[2 * n + i];
  } else {
    for (let c = 0; c < 3; c++) out.data.set(img.data.subarray(0, n), c * n);
  }
  return out;
}

export interface Preprocessing {
  /** The model's image side. */
  size: number;
  /** The model's channels. */
  channels: 1 | 3;
  /** Convert gray to RGB or RGB to gray when the image's channels differ from the model's; otherwise that is an error. */
  convertChannels?: boolean;
}

/** An image as one model input: [channels, size, size] in [-1, 1]. `path` names the source in errors. */
export function preprocess(img: Image, path: string, p: Preprocessing): Float32Array {
  if (img.channels !== p.channels && !p.convertChannels) {
    throw new DataError(
      `${path}: the image has ${img.channels} channel(s) but the model takes ${p.channels}; ` +
        `set the model's channels to ${img.channels} or ask for channel conversion`,
    );
  }
  if (img.channels !== 1 && img.channels !== 3)
    throw new DataError(`${path}: ${img.channels} channels; only gray and RGB images are supported`);
  // slice: resize and convertChannels return their input unchanged when there is nothing to do, and it must stay intact.
  const out = resize(convertChannels(img, p.channels), p.size, p.size).data.slice();
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i])) * 2 - 1;
  return out;
}

/** A ground-truth mask as [1, size, size] of 0 and 1: its first channel, resized, thresholded at one half. */
export function preprocessMask(mask: Image, size: number): Float32Array {
  const plane = { ...mask, channels: 1, data: mask.data.subarray(0, mask.width * mask.height) };
  const out = resize(plane, size, size).data.slice();
  for (let i = 0; i < out.length; i++) out[i] = out[i] >= 0.5 ? 1 : 0;
  return out;
}

/** Stacks pre-processed items of `channels` x `size` x `size` into one NCHW batch. */
export function stack(
  items: Float32Array[],
  channels: number,
  size: number,
): { data: Float32Array; shape: [number, number, number, number] } {
  const per = channels * size * size;
  const data = new Float32Array(items.length * per);
  items.forEach((item, i) => {
    if (item.length !== per) throw new Error(`stack: item ${i} has ${item.length} values, expected ${per}`);
    data.set(item, i * per);
  });
  return { data, shape: [items.length, channels, size, size] };
}
