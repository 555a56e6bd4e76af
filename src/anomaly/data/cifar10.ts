// CIFAR-10 binary batches for the one-class protocol: data_batch_1.bin .. data_batch_5.bin (train) and test_batch.bin,
// in the given folder or its cifar-10-batches-bin sub-folder. Each record is 1 label byte and 3072 bytes of a 32 x 32
// RGB image, planar (all red, then green, then blue), which is already the CHW layout of Image.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from './errors.ts';
import { readFile, requireDir } from './files.ts';
import type { Image } from './image.ts';
import { oneClassSplit, type OneClassOptions, type Records } from './one-class.ts';
import type { SplitSamples } from './sample.ts';

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];
const PIXELS = 3 * 32 * 32;
const RECORD = 1 + PIXELS;

/** The records of one or more batch files' bytes, in order; paths name the files in errors and samples. */
export function cifar10Records(batches: { path: string; bytes: Uint8Array }[]): Records {
  const files = batches.map(({ path, bytes }) => {
    if (bytes.length === 0 || bytes.length % RECORD !== 0) {
      throw new DataError(
        `${path}: ${bytes.length} bytes is not a whole number of CIFAR-10 records (${RECORD} bytes each)`,
      );
    }
    for (let r = 0; r < bytes.length; r += RECORD) {
      if (bytes[r] > 9)
        throw new DataError(`${path}: label ${bytes[r]} of record ${r / RECORD} is not a CIFAR-10 class (0 to 9)`);
    }
    return { path, bytes };
  });
  const index = files.flatMap(({ path, bytes }) =>
    Array.from({ length: bytes.length / RECORD }, (_, r) => ({ path, bytes, r, offset: r * RECORD })),
  );
  return {
    labels: index.map(({ bytes, offset }) => bytes[offset]),
    path: (i) => `${index[i].path}#${index[i].r}`,
    image: (i): Image => {
      const { bytes, offset } = index[i];
      return {
        width: 32,
        height: 32,
        channels: 3,
        data: Float32Array.from(bytes.subarray(offset + 1, offset + RECORD), (v) => v / 255),
      };
    },
  };
}

/** normalClass: a class index 0 to 9 (CIFAR10_CLASSES gives the names). */
export function loadCifar10(dir: string, options: OneClassOptions): SplitSamples {
  const { normalClass } = options;
  if (!Number.isInteger(normalClass) || normalClass < 0 || normalClass > 9)
    throw new DataError(`CIFAR-10: the normal class must be 0 to 9, got ${normalClass}`);
  requireDir(dir, 'CIFAR-10 folder');
  const base = existsSync(join(dir, 'cifar-10-batches-bin')) ? join(dir, 'cifar-10-batches-bin') : dir;
  const trainFiles = [1, 2, 3, 4, 5].map((k) => join(base, `data_batch_${k}.bin`)).filter((p) => existsSync(p));
  if (trainFiles.length === 0)
    throw new DataError(`${base}: no CIFAR-10 training batches (data_batch_1.bin .. data_batch_5.bin)`);
  const testFile = join(base, 'test_batch.bin');
  if (!existsSync(testFile)) throw new DataError(`${testFile}: not found`);
  const records = (paths: string[]) => cifar10Records(paths.map((path) => ({ path, bytes: readFile(path) })));
  return oneClassSplit(records(trainFiles), records([testFile]), (label) => CIFAR10_CLASSES[label], options);
}
