// Datasets in memory and their batches. Every image is pre-processed once, when the dataset is loaded (the datasets here
// are small); batches are copies gathered from that cache, in an order fixed by (seed, epoch), so a resumed run sees the
// same batches as an uninterrupted one. No files here, so browsers build datasets from images they decoded themselves;
// loader.ts reads samples' files in Node.

import { DataError } from './errors.ts';
import { preprocess, preprocessMask, type Image, type Preprocessing } from './image.ts';
import type { Sample } from './sample.ts';

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

/** Where a sample's pixels come from: its decoded image and mask, or (loader.ts) its files. */
export interface SampleReader {
  image(sample: Sample): Image;
  /** Called only for samples that have a mask (`mask` or `maskPath`). */
  mask(sample: Sample): Image;
}

/** Samples whose image (and mask, where there is one) are already decoded: what a browser gives. */
export const inMemory: SampleReader = {
  image: (sample) => {
    const image = sample.image; // read once: a one-class sample decodes its record when read
    if (!image) throw new DataError(`${sample.path}: no decoded image (files are read by loadSplit in Node)`);
    return image;
  },
  mask: (sample) => {
    if (!sample.mask) throw new DataError(`${sample.maskPath}: no decoded mask (files are read by loadSplit in Node)`);
    return sample.mask;
  },
};

const hasMask = (s: Sample): boolean => Boolean(s.mask || s.maskPath);

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
   * Pre-processes every sample, reading its pixels through `read` (decoded images by default). Masks are kept when every
   * anomalous sample has one (normal samples get all-zero masks); otherwise the dataset has none. `name` says which set
   * an empty list was meant to be.
   */
  static load(
    samples: readonly Sample[],
    p: Preprocessing,
    name: string,
    reference?: ChannelReference,
    read: SampleReader = inMemory,
  ): Dataset {
    if (samples.length === 0) throw new DataError(`${name}: no images`);
    const per = p.channels * p.size * p.size;
    const plane = p.size * p.size;
    const withMasks = samples.some(hasMask) && samples.every((s) => s.label === 0 || hasMask(s));
    const images = new Float32Array(samples.length * per);
    const masks = withMasks ? new Float32Array(samples.length * plane) : null;
    let source = reference;
    samples.forEach((sample, i) => {
      const img = read.image(sample);
      source ??= { channels: img.channels, path: sample.path };
      if (img.channels !== source.channels) {
        throw new DataError(
          `${sample.path}: has ${img.channels} channel(s) but ${source.path} has ${source.channels}; a dataset must not mix gray and colour images`,
        );
      }
      images.set(preprocess(img, sample.path, p), i * per);
      if (masks && hasMask(sample)) {
        const mask = read.mask(sample);
        if (mask.width !== img.width || mask.height !== img.height) {
          throw new DataError(
            `${sample.maskPath ?? `${sample.path}'s mask`}: mask is ${mask.width}x${mask.height} but its image ${sample.path} is ${img.width}x${img.height}`,
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
