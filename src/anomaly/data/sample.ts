// What every loader returns: lists of samples, not pixels. Pixels are decoded once, by Dataset (loader.ts).

import type { Image } from './image.ts';

export interface Sample {
  /** The image file, or `<file>#<record>` for one record of an IDX or CIFAR-10 file. */
  path: string;
  /** 0 normal, 1 anomalous. */
  label: 0 | 1;
  /** 'good' for normal samples; otherwise the defect type, digit or class. */
  defect: string;
  /** The ground-truth mask (anomalous pixels non-zero), or null: normal samples, or no mask available. */
  maskPath: string | null;
  /** Records of IDX and CIFAR-10 files come decoded; files are read by Dataset. */
  image?: Image;
}

export interface SplitSamples {
  train: Sample[];
  test: Sample[];
}
