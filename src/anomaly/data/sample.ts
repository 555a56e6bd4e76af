// What every loader returns: lists of samples, not pixels. Pixels are decoded once, by Dataset (dataset.ts), from the
// files (loader.ts) or from images decoded already (records of IDX and CIFAR-10 files, images a browser decoded).

import type { Image } from './image.ts';

export interface Sample {
  /** The image file, or `<file>#<record>` for one record of an IDX or CIFAR-10 file; any name for a decoded image. */
  path: string;
  /** 0 normal, 1 anomalous. */
  label: 0 | 1;
  /** 'good' for normal samples; otherwise the defect type, digit or class. */
  defect: string;
  /** The ground-truth mask's file (anomalous pixels non-zero), or null: normal samples, or no mask available. */
  maskPath?: string | null;
  /** The image, decoded already; otherwise its file is read. */
  image?: Image;
  /** The ground-truth mask, decoded already (same size as the image; anomalous pixels non-zero). */
  mask?: Image;
}

/**
 * A source's own two sides, as a loader finds them: what it offers for training (normal images; the one-class sets
 * also label the other classes of their training file, anomalous) and its test images. split.ts makes a Split of them.
 */
export interface SplitSamples {
  train: Sample[];
  test: Sample[];
}

/** The three disjoint sets every model trains, chooses its settings and is tested on (split.ts). */
export interface Split {
  /** Normal images, plus the labelled anomalies of a weakly supervised split. */
  train: Sample[];
  /** Normal and anomalous images for choosing settings. */
  validation: Sample[];
  /** Normal and anomalous images, looked at once the choices are made. */
  test: Sample[];
}
