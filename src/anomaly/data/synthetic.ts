// The built-in dataset, generated from a data seed on first use and cached on disk in the MVTec AD layout.
//
// Version 2 (docs/builtin-dataset.md): six categories whose defects keep the normal colour and intensity range, so a
// per-pixel statistic of the normal images cannot tell them while a model of the normal pattern can. Four textures,
// 'weave', 'grain', 'tiles', 'perforated', and two objects with pose jitter, 'washer' and 'screw'; each has four defect
// kinds, drawn in turn (synthetic-<category>.ts describes them). Of each kind's images the 4th of every 8 is faint
// (about half as far from normal) and the 8th small (about 60% of the size): 2 of each kind's 10 at the defaults are
// subtle; manifest.json lists which, with each mask's size. Defaults: 64 x 64 RGB, 200 train/good, 40 test/good and 40
// defective test images per category. Every image derives from (seed, category, split, index) alone, so the same seed
// gives byte-identical files, another seed another copy of the set, and changing a count leaves the other images
// unchanged.
//
// <root>/<category>/manifest.json records the generator's version and the options; a cache from another version or
// with other options is regenerated. Generation writes to a temporary folder and renames it, so an interrupted run never
// leaves a half-written category behind.

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from './errors.ts';
import { fileError } from './files.ts';
import { convertChannels, type Image } from './image.ts';
import { writePng } from './png.ts';
import {
  SYNTHETIC_CATEGORIES,
  syntheticCategory,
  syntheticDefect,
  syntheticGood,
  type DefectKind,
  type Subtlety,
  type SyntheticCategory,
} from './synthetic-images.ts';

/** Bump whenever the generated images change, so old caches are regenerated (test/anomaly checks a digest of them). */
export const SYNTHETIC_VERSION = 2;
const GENERATOR = 'cavga-synthetic';

/** The cache folder of one copy of the built-in set under `base`: builtin-v<version>/seed-<seed>. */
export const syntheticFolder = (base: string, seed: number) =>
  join(base, `builtin-v${SYNTHETIC_VERSION}`, `seed-${seed}`);

export interface SyntheticCounts {
  train: number;
  testGood: number;
  testDefective: number;
}

export interface SyntheticOptions {
  root: string;
  categories?: SyntheticCategory[];
  seed?: number;
  size?: number;
  channels?: 1 | 3;
  counts?: Partial<SyntheticCounts>;
  /** Called as each category starts being generated (not for categories found in the cache). */
  onGenerate?: (category: SyntheticCategory) => void;
}

interface Manifest {
  generator: string;
  version: number;
  category: SyntheticCategory;
  seed: number;
  size: number;
  channels: 1 | 3;
  counts: SyntheticCounts;
  defects: { file: string; kind: DefectKind; subtlety: Subtlety; pixels: number }[];
}

const pad = (i: number) => String(i).padStart(3, '0');

function generateCategory(
  dir: string,
  category: SyntheticCategory,
  seed: number,
  size: number,
  channels: 1 | 3,
  counts: SyntheticCounts,
): Manifest {
  const save = (file: string, image: Image) => writePng(join(dir, file), convertChannels(image, channels));
  mkdirSync(join(dir, 'train', 'good'), { recursive: true });
  mkdirSync(join(dir, 'test', 'good'), { recursive: true });
  for (let i = 0; i < counts.train; i++)
    save(join('train', 'good', `${pad(i)}.png`), syntheticGood(seed, category, 'train', i, size));
  for (let i = 0; i < counts.testGood; i++)
    save(join('test', 'good', `${pad(i)}.png`), syntheticGood(seed, category, 'test', i, size));

  const defects: Manifest['defects'] = [];
  for (let i = 0; i < counts.testDefective; i++) {
    const { image, mask, kind, nth, subtlety, pixels } = syntheticDefect(seed, category, i, size);
    mkdirSync(join(dir, 'test', kind), { recursive: true });
    mkdirSync(join(dir, 'ground_truth', kind), { recursive: true });
    const file = join('test', kind, `${pad(nth)}.png`);
    save(file, image);
    writePng(join(dir, 'ground_truth', kind, `${pad(nth)}_mask.png`), mask);
    defects.push({ file, kind, subtlety, pixels });
  }
  return { generator: GENERATOR, version: SYNTHETIC_VERSION, category, seed, size, channels, counts, defects };
}

function readManifest(dir: string): Manifest | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    return m.generator === GENERATOR ? m : null;
  } catch {
    return null;
  }
}

/**
 * Makes sure the built-in dataset exists under `root` with these options, generating the categories that are missing
 * or out of date. Returns each category's folder, ready for loadMvtec.
 */
export function ensureSynthetic(options: SyntheticOptions): Record<SyntheticCategory, string> {
  const { root, seed = 0, size = 64, channels = 3 } = options;
  const counts: SyntheticCounts = { train: 200, testGood: 40, testDefective: 40, ...options.counts };
  const categories = options.categories ?? SYNTHETIC_CATEGORIES;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new DataError(`synthetic dataset: the data seed must be a whole number from 0, got ${seed}`);
  if (!Number.isInteger(size) || size < 16 || size > 1024)
    throw new DataError(`synthetic dataset: size must be an integer from 16 to 1024, got ${size}`);
  for (const [name, n] of Object.entries(counts)) {
    if (!Number.isInteger(n) || n < 1)
      throw new DataError(`synthetic dataset: count ${name} must be a positive integer, got ${n}`);
  }
  const dirs = {} as Record<SyntheticCategory, string>;
  for (const category of categories) {
    syntheticCategory(category);
    const dir = join(root, category);
    dirs[category] = dir;
    const cached = readManifest(dir);
    const same =
      cached &&
      cached.version === SYNTHETIC_VERSION &&
      cached.seed === seed &&
      cached.size === size &&
      cached.channels === channels;
    if (same && JSON.stringify(cached.counts) === JSON.stringify(counts)) continue;
    // Only a folder this generator made is ever replaced.
    if (existsSync(dir) && !cached)
      throw new DataError(
        `${dir}: exists but is not a generated dataset (no ${GENERATOR} manifest); choose another folder`,
      );
    options.onGenerate?.(category);
    const partial = join(root, `.${category}.partial-${process.pid}`);
    try {
      rmSync(partial, { recursive: true, force: true });
      const manifest = generateCategory(partial, category, seed, size, channels, counts);
      writeFileSync(join(partial, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
      rmSync(dir, { recursive: true, force: true });
      renameSync(partial, dir);
    } catch (e) {
      try {
        rmSync(partial, { recursive: true, force: true });
      } catch {
        // best effort: the error worth reporting is the first one
      }
      throw fileError(e, root, 'write');
    }
  }
  return dirs;
}
