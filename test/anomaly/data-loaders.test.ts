// Data loaders on files written here: the synthetic dataset through the MVTec AD loader, PNGs of every colour type and
// depth, plain folders, IDX (raw and .gz), the `mnist` package's files, CIFAR-10 batches, batching, and every bad-input
// case with its message. The train / validation / test split itself is tested in split.test.ts.

import { batchIndices } from '../../src/anomaly/schedule.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DataError,
  Dataset,
  createImage,
  decodePng,
  encodePng,
  ensureSynthetic,
  loadCifar10,
  loadFolder,
  loadImageFiles,
  loadMnist,
  loadMnistPackage,
  loadMvtec,
  loadSplit,
  preprocess,
  readPng,
  resize,
  splitSamples,
  writePng,
  SYNTHETIC_CATEGORIES,
  type Image,
  type Sample,
  type SplitSamples,
} from '../../src/anomaly/data/index.ts';
import { pngBytes } from '../helpers/png-bytes.ts';

/** A source's two sides loaded whole: its test side as the evaluated set, nothing held out for validation. */
const loadSides = (sides: SplitSamples, p: { size: number; channels: 1 | 3 }, name: string) => {
  const { train, evaluated } = loadSplit({ ...sides, validation: [] }, p, name);
  return { train, test: evaluated };
};

const made: string[] = [];
const tmp = () => {
  made.push(mkdtempSync(join(tmpdir(), 'cavga-data-')));
  return made[made.length - 1];
};
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const near = (actual: Float32Array | number[], expected: number[], tol = 1e-6) => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(tol));
};
const gray = (w: number, h: number, f: (x: number, y: number) => number): Image => {
  const img = createImage(w, h, 1);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data[y * w + x] = f(x, y);
  return img;
};
const rgb = (w: number, h: number, v: number): Image => {
  const img = createImage(w, h, 3);
  img.data.fill(v);
  return img;
};
const expectDataError = (f: () => unknown, ...parts: (string | RegExp)[]) => {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DataError);
  for (const part of parts) expect((error as Error).message).toMatch(part);
};
const allFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();

describe('PNG', () => {
  it('reads gray, gray + alpha, RGB, RGBA and palette files at 1 to 16 bits', () => {
    const dir = tmp();
    const cases: [string, Buffer, number, number[]][] = [
      ['gray 8-bit', pngBytes(2, 1, 0, 8, [0, 255]), 1, [0, 1]],
      ['gray 16-bit', pngBytes(2, 1, 0, 16, [1000, 65535]), 1, [1000 / 65535, 1]],
      ['gray 1-bit', pngBytes(3, 1, 0, 1, [1, 0, 1]), 1, [1, 0, 1]],
      ['gray + alpha', pngBytes(2, 1, 4, 8, [51, 0, 204, 255]), 1, [0.2, 0.8]],
      ['RGB 8-bit', pngBytes(2, 1, 2, 8, [255, 0, 51, 0, 102, 255]), 3, [1, 0, 0, 0.4, 0.2, 1]],
      ['RGB 16-bit', pngBytes(1, 1, 2, 16, [65535, 0, 32768]), 3, [1, 0, 32768 / 65535]],
      ['RGBA', pngBytes(1, 2, 6, 8, [255, 0, 0, 10, 0, 0, 255, 255]), 3, [1, 0, 0, 0, 0, 1]],
      [
        'palette',
        pngBytes(
          3,
          1,
          3,
          8,
          [1, 0, 1],
          [
            [255, 0, 0],
            [0, 0, 255],
          ],
        ),
        3,
        [0, 1, 0, 0, 0, 0, 1, 0, 1],
      ],
      [
        'palette 4-bit',
        pngBytes(
          2,
          1,
          3,
          4,
          [1, 0],
          [
            [255, 255, 255],
            [51, 102, 153],
          ],
        ),
        3,
        [0.2, 1, 0.4, 1, 0.6, 1],
      ],
    ];
    for (const [name, bytes, channels, planar] of cases) {
      const path = join(dir, `${name}.png`);
      writeFileSync(path, bytes);
      const img = readPng(path);
      expect(img.channels, name).toBe(channels);
      near(img.data, planar, 1e-6);
    }
  });

  it('writes 8-bit gray and RGB files that read back within rounding', () => {
    const dir = tmp();
    const g = gray(5, 3, (x, y) => (x + 5 * y) / 14);
    writePng(join(dir, 'g.png'), g);
    near(readPng(join(dir, 'g.png')).data, [...g.data], 0.501 / 255);
    const c = createImage(4, 2, 3);
    c.data.forEach((_, i) => (c.data[i] = ((i * 37) % 256) / 255));
    const back = decodePng(encodePng(c), 'c.png');
    expect([back.width, back.height, back.channels]).toEqual([4, 2, 3]);
    near(back.data, [...c.data], 0.501 / 255);
  });

  it('names the file that is missing, not a PNG, or corrupt', () => {
    const dir = tmp();
    expectDataError(() => readPng(join(dir, 'none.png')), 'none.png', 'not found');
    writeFileSync(join(dir, 'text.png'), 'hello');
    expectDataError(() => readPng(join(dir, 'text.png')), 'text.png', 'not a PNG');
    writeFileSync(join(dir, 'cut.png'), encodePng(rgb(8, 8, 0.5)).subarray(0, 45));
    expectDataError(() => readPng(join(dir, 'cut.png')), 'cut.png', 'corrupt');
  });
});

describe('pre-processing', () => {
  it('resizes bilinearly, averaging when shrinking, and keeps constants', () => {
    near(
      resize(
        gray(4, 4, () => 0.3),
        8,
        8,
      ).data,
      Array(64).fill(0.3),
    );
    near(
      resize(
        gray(6, 6, () => 0.7),
        4,
        4,
      ).data,
      Array(16).fill(0.7),
    );
    // Up-sampling by 2 with aligned pixel centres: 1/4 - 3/4 interpolation, edges clamped.
    near(
      resize(
        gray(2, 1, (x) => x),
        4,
        1,
      ).data,
      [0, 0.25, 0.75, 1],
    );
    // Shrinking a one-pixel checkerboard by 4 averages it (no aliasing into stripes).
    const small = resize(
      gray(16, 16, (x, y) => (x + y) % 2),
      4,
      4,
    ).data;
    small.forEach((v) => expect(Math.abs(v - 0.5)).toBeLessThan(0.02));
  });

  it('maps [0, 1] to [-1, 1] and converts channels only when asked', () => {
    const img = gray(4, 4, (x) => x / 3);
    const out = preprocess(img, 'g.png', { size: 4, channels: 1 });
    near(out.subarray(0, 4), [-1, -1 / 3, 1 / 3, 1], 1e-6);
    expect(img.data[3]).toBe(1); // the source image is left as it was
    expectDataError(() => preprocess(img, 'g.png', { size: 4, channels: 3 }), 'g.png', '1 channel(s)', 'takes 3');
    expect(preprocess(img, 'g.png', { size: 8, channels: 3, convertChannels: true }).length).toBe(3 * 64);
    const color = createImage(1, 1, 3);
    color.data.set([1, 0, 0]);
    near(preprocess(color, 'c.png', { size: 1, channels: 1, convertChannels: true }), [0.299 * 2 - 1], 1e-6);
  });

  it('loads image files for inference with the same pre-processing', () => {
    const dir = tmp();
    writePng(join(dir, 'a.png'), rgb(32, 32, 1));
    const batch = loadImageFiles([join(dir, 'a.png')], { size: 16, channels: 3 });
    expect(batch.shape).toEqual([1, 3, 16, 16]);
    batch.images.forEach((v) => expect(v).toBe(1));
  });
});

describe('synthetic dataset', () => {
  const tiny = { size: 32, counts: { train: 4, testGood: 2, testDefective: 8 } };

  it('generates every category in the MVTec AD layout, with masks, and loads through the MVTec loader', () => {
    const root = tmp();
    const t0 = performance.now();
    const dirs = ensureSynthetic({ root, ...tiny });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(Object.keys(dirs)).toEqual(SYNTHETIC_CATEGORIES);
    for (const category of SYNTHETIC_CATEGORIES) {
      const split = loadMvtec(dirs[category]);
      expect(split.train.length).toBe(4);
      expect(split.test.filter((s) => s.label === 0).length).toBe(2);
      const defective = split.test.filter((s) => s.label === 1);
      expect(defective.length).toBe(8);
      expect(new Set(defective.map((s) => s.defect)).size).toBe(4);
      const { train, test } = loadSides(split, { size: 32, channels: 3 }, category);
      expect(train.hasMasks).toBe(false);
      expect(test.hasMasks).toBe(true);
      const batch = test.batch(Array.from({ length: test.count }, (_, i) => i));
      expect(batch.shape).toEqual([10, 3, 32, 32]);
      batch.images.forEach((v) => expect(Math.abs(v)).toBeLessThanOrEqual(1));
      for (let i = 0; i < 10; i++) {
        const pixels = batch.masks!.subarray(i * 1024, (i + 1) * 1024).reduce((a, b) => a + b, 0);
        if (batch.labels[i] === 0) expect(pixels).toBe(0);
        else expect(pixels, batch.paths[i]).toBeGreaterThan(0);
      }
    }
  });

  it('is deterministic: the same seed gives identical bytes, another seed other images; the cache is reused or rebuilt', () => {
    const [a, b, c] = [tmp(), tmp(), tmp()];
    ensureSynthetic({ root: a, categories: ['washer', 'weave'], seed: 7, ...tiny });
    ensureSynthetic({ root: b, categories: ['washer', 'weave'], seed: 7, ...tiny });
    ensureSynthetic({ root: c, categories: ['washer'], seed: 8, ...tiny });
    const files = allFiles(a);
    expect(allFiles(b)).toEqual(files);
    for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    expect(
      readFileSync(join(c, 'washer/train/good/000.png')).equals(readFileSync(join(a, 'washer/train/good/000.png'))),
    ).toBe(false);

    const generated: string[] = [];
    const again = () =>
      ensureSynthetic({
        root: a,
        categories: ['washer', 'weave'],
        seed: 7,
        ...tiny,
        onGenerate: (cat) => generated.push(cat),
      });
    again();
    expect(generated).toEqual([]);
    // A cache written by another generator version is regenerated.
    const manifestPath = join(a, 'washer', 'manifest.json');
    writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(readFileSync(manifestPath, 'utf8')), version: 0 }));
    again();
    expect(generated).toEqual(['washer']);
    expect(JSON.parse(readFileSync(manifestPath, 'utf8')).version).toBeGreaterThan(0);
    // A folder it did not make is never replaced.
    mkdirSync(join(c, 'tiles'));
    expectDataError(
      () => ensureSynthetic({ root: c, categories: ['tiles'], ...tiny }),
      join(c, 'tiles'),
      'not a generated dataset',
    );
    // A data seed that is not a whole number from 0 is refused, naming it.
    for (const seed of [-1, 1.5])
      expectDataError(() => ensureSynthetic({ root: c, seed, ...tiny }), 'data seed', String(seed));
  });
});

describe('plain folder layout', () => {
  it('splits the normal images by seed and attaches masks by file name', () => {
    const root = tmp();
    for (const d of ['normal', 'anomalous', 'masks']) mkdirSync(join(root, d));
    for (let i = 0; i < 5; i++)
      writePng(
        join(root, 'normal', `n${i}.png`),
        gray(8, 8, () => i / 10),
      );
    writePng(
      join(root, 'anomalous', 'a0.png'),
      gray(8, 8, () => 1),
    );
    writePng(
      join(root, 'masks', 'a0.png'),
      gray(8, 8, (x) => (x < 4 ? 1 : 0)),
    );
    writeFileSync(join(root, 'normal', 'notes.txt'), 'unrelated files are ignored');
    const split = loadFolder(root, { seed: 3 });
    expect(split.train.length).toBe(4);
    expect(split.test.map((s) => s.label)).toEqual([0, 1]);
    expect(split.test[1].maskPath).toBe(join(root, 'masks', 'a0.png'));
    expect(loadFolder(root, { seed: 3 })).toEqual(split);
    const { test } = loadSides(split, { size: 4, channels: 1 }, root);
    near(test.batch([1]).masks!, [1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);

    writePng(
      join(root, 'anomalous', 'a1.png'),
      gray(8, 8, () => 1),
    );
    expectDataError(() => loadFolder(root), join(root, 'masks', 'a1.png'), 'not found');
  });
});

describe('MNIST and CIFAR-10, one class normal', () => {
  const idx = (magic: number, dims: number[], data: number[]) => {
    const header = Buffer.alloc(4 + 4 * dims.length);
    header.writeUInt32BE(magic, 0);
    dims.forEach((d, k) => header.writeUInt32BE(d, 4 + 4 * k));
    return Buffer.concat([header, Buffer.from(data)]);
  };
  // Digit i's image is filled with the value 10 * i + label.
  const digits = (labels: number[]) => ({
    images: idx(
      0x803,
      [labels.length, 28, 28],
      labels.flatMap((l, i) => Array(784).fill(10 * i + l)),
    ),
    labels: idx(0x801, [labels.length], labels),
  });
  const trainLabels = [0, 1, 2, 1, 3, 1, 4, 5];
  const testLabels = [1, 0, 2, 1, 9];

  function writeMnist(dir: string, gz: boolean) {
    const write = (name: string, bytes: Buffer) =>
      writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(bytes) : bytes);
    const train = digits(trainLabels);
    const test = digits(testLabels);
    write('train-images-idx3-ubyte', train.images);
    write('train-labels-idx1-ubyte', train.labels);
    write('t10k-images-idx3-ubyte', test.images);
    write('t10k-labels-idx1-ubyte', test.labels);
  }

  it('reads IDX files, raw and gzipped, into the one-class protocol', () => {
    for (const gz of [false, true]) {
      const dir = tmp();
      writeMnist(dir, gz);
      const sides = loadMnist(dir, { normalClass: 1 });
      // The training file's other digits are labelled anomalous: split.ts draws validation anomalies from them.
      expect(sides.train.map((s) => s.defect)).toEqual(['0', 'good', '2', 'good', '3', 'good', '4', '5']);
      const train = sides.train.filter((s) => s.label === 0);
      const { test } = sides;
      expect(train.map((s) => s.path.split('#')[1])).toEqual(['1', '3', '5']);
      expect(train.every((s) => s.label === 0 && s.image!.width === 28 && s.image!.channels === 1)).toBe(true);
      near([train[1].image!.data[0]], [31 / 255]);
      expect(test.map((s) => s.label)).toEqual([0, 1, 1, 0, 1]);
      expect(test.map((s) => s.defect)).toEqual(['good', '0', '2', 'good', '9']);
      const sub = splitSamples(loadMnist(dir, { normalClass: 1, seed: 5 }), { seed: 5, maxTest: 3 }).test;
      expect(sub.length).toBe(3);
      expect(
        splitSamples(loadMnist(dir, { normalClass: 1, seed: 5 }), { seed: 5, maxTest: 3 }).test.map((s) => s.path),
      ).toEqual(sub.map((s) => s.path));
      const data = Dataset.load(train, { size: 32, channels: 1 }, 'mnist');
      expect(data.batch([0, 1]).shape).toEqual([2, 1, 32, 32]);
    }
  });

  it("reads the 'mnist' package's digit files", () => {
    const pkg = tmp();
    mkdirSync(join(pkg, 'src', 'digits'), { recursive: true });
    for (let d = 0; d < 10; d++)
      writeFileSync(join(pkg, 'src', 'digits', `${d}.json`), JSON.stringify({ data: Array(5 * 784).fill(d / 10) }));
    const sides = loadMnistPackage({ normalClass: 2, packageDir: pkg, seed: 1 });
    expect(sides.train.length).toBe(40); // 80% of each digit's five images
    const train = sides.train.filter((s) => s.label === 0);
    const { test } = sides;
    expect(train.length).toBe(4); // 80% of digit 2's five images
    train.forEach((s) => expect(s.image!.data[0]).toBeCloseTo(0.2, 6));
    expect(test.length).toBe(10);
    expect(test.filter((s) => s.label === 0).length).toBe(1);
  });

  it('reads CIFAR-10 binary batches', () => {
    const dir = join(tmp(), 'cifar-10-batches-bin');
    mkdirSync(dir);
    const batch = (labels: number[]) =>
      Buffer.concat(
        labels.map((l, i) =>
          Buffer.from([
            l,
            ...Array(3072)
              .fill(0)
              .map((_, k) => (k < 1024 ? i : k < 2048 ? 100 : 200)),
          ]),
        ),
      );
    writeFileSync(join(dir, 'data_batch_1.bin'), batch([3, 5, 3]));
    writeFileSync(join(dir, 'data_batch_2.bin'), batch([3, 0]));
    writeFileSync(join(dir, 'test_batch.bin'), batch([3, 8]));
    const sides = loadCifar10(join(dir, '..'), { normalClass: 3 });
    expect(sides.train.map((s) => s.defect)).toEqual(['good', 'dog', 'good', 'good', 'airplane']);
    const train = sides.train.filter((s) => s.label === 0);
    const { test } = sides;
    expect(train.map((s) => s.path.slice(dir.length + 1))).toEqual([
      'data_batch_1.bin#0',
      'data_batch_1.bin#2',
      'data_batch_2.bin#0',
    ]);
    const img = train[1].image!;
    expect([img.width, img.height, img.channels]).toEqual([32, 32, 3]);
    near([img.data[0], img.data[1024], img.data[2048]], [2 / 255, 100 / 255, 200 / 255]);
    expect(test.map((s) => [s.label, s.defect])).toEqual([
      [0, 'good'],
      [1, 'ship'],
    ]);
  });

  it('names the file of a bad IDX or CIFAR-10 input', () => {
    const dir = tmp();
    writeMnist(dir, false);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx(0x801, [4], [1, 0, 2, 1]));
    expectDataError(() => loadMnist(dir, { normalClass: 1 }), 't10k-labels-idx1-ubyte', '4 labels for 5 images');
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), digits(testLabels).images.subarray(0, 100));
    expectDataError(() => loadMnist(dir, { normalClass: 1 }), 't10k-images-idx3-ubyte', 'needs 3920 bytes');
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), Buffer.from('not idx at all'));
    expectDataError(() => loadMnist(dir, { normalClass: 1 }), 't10k-images-idx3-ubyte', 'not an IDX file');
    expectDataError(() => loadMnist(tmp(), { normalClass: 1 }), 'train-images-idx3-ubyte', 'not found');
    expectDataError(() => loadMnist(dir, { normalClass: 12 }), 'digit 0 to 9');
    writeFileSync(join(dir, 'data_batch_1.bin'), Buffer.alloc(3000));
    writeFileSync(join(dir, 'test_batch.bin'), Buffer.alloc(3073));
    expectDataError(
      () => loadCifar10(dir, { normalClass: 0 }),
      'data_batch_1.bin',
      'not a whole number of CIFAR-10 records',
    );
  });
});

describe('Dataset batches', () => {
  it('batches follow a permutation fixed by (seed, epoch), covering every sample once per epoch', () => {
    const samples: Sample[] = Array.from({ length: 10 }, (_, i) => ({
      path: `r#${i}`,
      label: (i % 2) as 0 | 1,
      defect: 'x',
      maskPath: null,
      image: gray(4, 4, () => i / 10),
    }));
    const data = Dataset.load(samples, { size: 4, channels: 1 }, 'set');
    const epoch = (e: number) => [0, 1].map((k) => data.batch(batchIndices(10, 4, 1, 2 * e + k)));
    const epoch0 = epoch(0);
    expect(epoch0.map((b) => b.shape[0])).toEqual([4, 4]);
    expect(new Set(epoch0.flatMap((b) => b.paths)).size).toBe(8);
    expect(epoch(0)).toEqual(epoch0);
    expect(epoch(1).flatMap((b) => b.paths)).not.toEqual(epoch0.flatMap((b) => b.paths));
    const b = epoch0[0];
    b.paths.forEach((p, k) => {
      const i = Number(p.split('#')[1]);
      expect(b.labels[k]).toBe(i % 2);
      expect(b.images[k * 16]).toBeCloseTo((i / 10) * 2 - 1, 6);
    });
    expect(b.masks).toBeNull();
  });
});

describe('bad input', () => {
  function mvtec(): string {
    const dir = tmp();
    for (const d of ['train/good', 'test/good', 'test/spot', 'ground_truth/spot'])
      mkdirSync(join(dir, d), { recursive: true });
    writePng(join(dir, 'train/good/000.png'), rgb(16, 16, 0.5));
    writePng(join(dir, 'test/good/000.png'), rgb(16, 16, 0.5));
    writePng(join(dir, 'test/spot/000.png'), rgb(16, 16, 0.2));
    writePng(
      join(dir, 'ground_truth/spot/000_mask.png'),
      gray(16, 16, (x) => (x < 2 ? 1 : 0)),
    );
    return dir;
  }
  const load = (dir: string) => loadSides(loadMvtec(dir), { size: 16, channels: 3 }, dir);

  it('accepts a well-formed MVTec AD folder', () => {
    const { train, test } = load(mvtec());
    expect([train.count, test.count, test.hasMasks]).toEqual([1, 2, true]);
  });

  it('missing folders and empty datasets', () => {
    const dir = mvtec();
    expectDataError(() => loadMvtec(join(dir, 'nope')), join(dir, 'nope'), 'not found');
    expectDataError(() => loadFolder(dir), join(dir, 'normal'), 'not found');
    const empty = tmp();
    mkdirSync(join(empty, 'train/good'), { recursive: true });
    expectDataError(() => loadMvtec(empty), join(empty, 'train/good'), 'no .png images');
    expectDataError(
      () => Dataset.load([], { size: 16, channels: 3 }, 'weave: test set'),
      'weave: test set',
      'no images',
    );
  });

  it('corrupt and non-PNG files', () => {
    const dir = mvtec();
    writeFileSync(join(dir, 'train/good/001.png'), Buffer.from('GIF89a...'));
    expectDataError(() => load(dir), join(dir, 'train/good/001.png'), 'not a PNG');
    writeFileSync(join(dir, 'train/good/001.png'), encodePng(rgb(16, 16, 0.5)).subarray(0, 60));
    expectDataError(() => load(dir), join(dir, 'train/good/001.png'), 'corrupt');
    writeFileSync(join(dir, 'train/good/002.jpg'), Buffer.alloc(10));
    expectDataError(() => loadMvtec(dir), join(dir, 'train/good/002.jpg'), 'only PNG');
  });

  it('masks of another size than their image, and missing masks', () => {
    const dir = mvtec();
    writePng(
      join(dir, 'ground_truth/spot/000_mask.png'),
      gray(8, 16, () => 0),
    );
    expectDataError(
      () => load(dir),
      join(dir, 'ground_truth/spot/000_mask.png'),
      join(dir, 'test/spot/000.png'),
      '8x16',
      '16x16',
    );
    writePng(join(dir, 'test/spot/001.png'), rgb(16, 16, 0.2));
    expectDataError(() => loadMvtec(dir), join(dir, 'ground_truth/spot/001_mask.png'), 'not found');
  });

  it('mixed channel counts', () => {
    const dir = mvtec();
    writePng(
      join(dir, 'test/good/001.png'),
      gray(16, 16, () => 0.5),
    );
    expectDataError(
      () => load(dir),
      join(dir, 'test/good/001.png'),
      '1 channel(s)',
      join(dir, 'train/good/000.png'),
      'has 3',
    );
    // Converting to the model's channels does not paper over a mixed dataset.
    expectDataError(
      () => loadSplit({ ...loadMvtec(dir), validation: [] }, { size: 16, channels: 1, convertChannels: true }, dir),
      join(dir, 'test/good/001.png'),
    );
  });
});
