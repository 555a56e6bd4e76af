// Datasets in memory and their batches. Every image is decoded and pre-processed once, when the dataset is loaded (the
// datasets here are small); batches are copies gathered from that cache, in an order fixed by (seed, epoch), so a
// resumed run sees the same batches as an uninterrupted one.

import { DataError } from './errors.ts';
import { preprocess, preprocessMask, type Image, type Preprocessing } from './image.ts';
import { readPng } from './png.ts';
import type { Sample, SplitSamples } from './sample.ts';

export interface DataBatch {
  images: Float32Array; // [n, c, s, s] in [-1, 1]
  shape: [number, number, number, number];
  labels: Float32Array; // [n]: 0 normal, 1 anomalous
  masks: Float32Array | null; // [n, 1, s, s] of 0 and 1; null when the dataset has no masks
  paths: string[];
}

/** The source images' channel count and the first file that had it: every image loaded together must match. */
export interface ChannelReference {
  channels: number;
  path: string;
}

export class Dataset {
  private constructor(
    readonly samples: readonly Sample[],
    readonly size: number,
    readonly channels: number,
    private readonly images: Float32Array,
    private readonly masks: Float32Array | null,
    readonly labels: Float32Array,
    readonly source: ChannelReference,
  ) {}

  /**
   * Decodes and pre-processes every sample. Masks are kept when every anomalous sample has one (normal samples get
   * all-zero masks); otherwise the dataset has none. `name` says which set an empty list was meant to be.
   */
  static load(samples: readonly Sample[], p: Preprocessing, name: string, reference?: ChannelReference): Dataset {
    if (samples.length === 0) throw new DataError(`${name}: no images`);
    const per = p.channels * p.size * p.size;
    const plane = p.size * p.size;
    const withMasks = samples.some((s) => s.maskPath) && samples.every((s) => s.label === 0 || s.maskPath);
    const images = new Float32Array(samples.length * per);
    const masks = withMasks ? new Float32Array(samples.length * plane) : null;
    let source = reference;
    samples.forEach((sample, i) => {
      const img: Image = sample.image ?? readPng(sample.path);
      source ??= { channels: img.channels, path: sample.path };
      if (img.channels !== source.channels) {
        throw new DataError(
          `${sample.path}: has ${img.channels} channel(s) but ${source.path} has ${source.channels}; a dataset must not mix gray and colour images`,
        );
      }
      images.set(preprocess(img, sample.path, p), i * per);
      if (masks && sample.maskPath) {
        const mask = readPng(sample.maskPath);
        if (mask.width !== img.width || mask.height !== img.height) {
          throw new DataError(
            `${sample.maskPath}: mask is ${mask.width}x${mask.height} but its image ${sample.path} is ${img.width}x${img.height}`,
          );
        }
        masks.set(preprocessMask(mask, p.size), i * plane);
      }
    });
    const labels = Float32Array.from(samples, (s) => s.label);
    return new Dataset(samples, p.size, p.channels, images, masks, labels, source!);
  }

  get count(): number {
    return this.samples.length;
  }

  get hasMasks(): boolean {
    return this.masks !== null;
  }

  /** The samples at these indices, in this order. */
  batch(indices: ArrayLike<number>): DataBatch {
    const n = indices.length;
    const per = this.channels * this.size * this.size;
    const plane = this.size * this.size;
    const images = new Float32Array(n * per);
    const masks = this.masks ? new Float32Array(n * plane) : null;
    const labels = new Float32Array(n);
    const paths: string[] = [];
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      if (!(i >= 0 && i < this.count)) throw new RangeError(`Dataset.batch: index ${i} outside 0..${this.count - 1}`);
      images.set(this.images.subarray(i * per, (i + 1) * per), k * per);
      masks?.set(this.masks!.subarray(i * plane, (i + 1) * plane), k * plane);
      labels[k] = this.labels[i];
      paths.push(this.samples[i].path);
    }
    return { images, shape: [n, this.channels, this.size, this.size], labels, masks, paths };
  }
}

/** Loads a train/test split with one pre-processing; both sets must share one channel count. */
export function loadSplit(split: SplitSamples, p: Preprocessing, name: string): { train: Dataset; test: Dataset } {
  const train = Dataset.load(split.train, p, `${name}: training set`);
  return { train, test: Dataset.load(split.test, p, `${name}: test set`, train.source) };
}

/** Image files for inference, pre-processed exactly as in training and evaluation. */
export function loadImageFiles(paths: string[], p: Preprocessing): DataBatch {
  const samples: Sample[] = paths.map((path) => ({ path, label: 0, defect: 'unknown', maskPath: null }));
  const data = Dataset.load(samples, p, 'input images');
  return data.batch(paths.map((_, i) => i));
}
