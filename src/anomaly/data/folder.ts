// A plain folder layout:
//   <root>/normal/*.png      normal images; a share of them (80% by default, chosen by the data seed) trains, the rest
//                            are on the test side
//   <root>/anomalous/*.png   anomalous images, all on the test side (split.ts draws the validation set from it)
//   <root>/masks/<name>.png  optional: a mask per anomalous image, under the image's file name

import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError } from './errors.ts';
import { isDir, listPngs, requireDir } from './files.ts';
import { keyedRng, permutation } from './random.ts';
import type { Sample, SplitSamples } from './sample.ts';

export interface FolderOptions {
  /** Share of the normal images used for training. */
  trainFraction?: number;
  seed?: number;
}

export function loadFolder(root: string, { trainFraction = 0.8, seed = 0 }: FolderOptions = {}): SplitSamples {
  requireDir(root, 'dataset folder');
  const normal = listPngs(join(root, 'normal'), 'folder of normal images');
  const anomalous = listPngs(join(root, 'anomalous'), 'folder of anomalous images');
  if (normal.length < 2)
    throw new DataError(`${join(root, 'normal')}: needs at least 2 normal images (some train, some test)`);
  const nTrain = Math.min(normal.length - 1, Math.max(1, Math.round(normal.length * trainFraction)));
  const inTrain = new Set(permutation(normal.length, keyedRng(seed, 'folder-split')).subarray(0, nTrain));
  const masks = join(root, 'masks');
  const withMasks = isDir(masks);
  const good = (path: string): Sample => ({ path, label: 0, defect: 'good', maskPath: null });
  const bad = (path: string): Sample => {
    const maskPath = withMasks ? join(masks, basename(path)) : null;
    if (maskPath && !existsSync(maskPath)) throw new DataError(`${maskPath}: mask of ${path} not found`);
    return { path, label: 1, defect: 'anomalous', maskPath };
  };
  return {
    train: normal.filter((_, i) => inTrain.has(i)).map(good),
    test: [...normal.filter((_, i) => !inTrain.has(i)).map(good), ...anomalous.map(bad)],
  };
}
