// The MVTec AD folder layout, for any category:
//   <dir>/train/good/*.png                       normal training images
//   <dir>/test/good/*.png                        normal test images (no masks: all zero)
//   <dir>/test/<defect>/*.png                    anomalous test images
//   <dir>/ground_truth/<defect>/<name>_mask.png  their masks
// Without a ground_truth folder the test set has image labels only; with one, every anomalous image needs its mask.
// split.ts draws the validation set from the test folder.

import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError } from './errors.ts';
import { isDir, listPngs, requireDir, subdirs } from './files.ts';
import type { Sample, SplitSamples } from './sample.ts';

export function loadMvtec(dir: string): SplitSamples {
  requireDir(dir, 'dataset folder');
  const train: Sample[] = listPngs(join(dir, 'train', 'good'), 'folder of normal training images').map((path) => ({
    path,
    label: 0,
    defect: 'good',
    maskPath: null,
  }));
  requireDir(join(dir, 'test'), 'test folder');
  const withMasks = isDir(join(dir, 'ground_truth'));
  const test: Sample[] = [];
  for (const defect of subdirs(join(dir, 'test'))) {
    for (const path of listPngs(join(dir, 'test', defect), `test folder '${defect}'`, true)) {
      if (defect === 'good') {
        test.push({ path, label: 0, defect, maskPath: null });
        continue;
      }
      const maskPath = withMasks ? join(dir, 'ground_truth', defect, `${basename(path, '.png')}_mask.png`) : null;
      if (maskPath && !existsSync(maskPath)) throw new DataError(`${maskPath}: mask of ${path} not found`);
      test.push({ path, label: 1, defect, maskPath });
    }
  }
  if (test.length === 0) throw new DataError(`${join(dir, 'test')}: no test images`);
  return { train, test };
}
