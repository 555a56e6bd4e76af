// The train / validation / test split (src/anomaly/data/split.ts) on sources made here, and through the CLI's loader for
// every dataset kind: no image in two sets, weakly supervised included; the shares per group; the seed; the caps.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../src/anomaly/data/errors.ts';
import { createImage } from '../../src/anomaly/data/image.ts';
import { writePng } from '../../src/anomaly/data/png.ts';
import type { Sample, Split, SplitSamples } from '../../src/anomaly/data/sample.ts';
import {
  splitSamples,
  VALIDATION_SHARE_OF_TEST,
  VALIDATION_SHARE_OF_TRAINING,
  weaklySupervisedSplit,
} from '../../src/anomaly/data/split.ts';
import { DATASETS, loadCategories, type DatasetKind } from '../../src/cli/data-source.ts';

const made: string[] = [];
const tmp = () => {
  made.push(mkdtempSync(join(tmpdir(), 'cavga-split-')));
  return made[made.length - 1];
};
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const samples = (prefix: string, n: number, defect: string): Sample[] =>
  Array.from({ length: n }, (_, i) => ({
    path: `${prefix}/${defect}/${i}.png`,
    label: defect === 'good' ? 0 : 1,
    defect,
    maskPath: defect === 'good' ? null : `${prefix}/masks/${defect}/${i}.png`,
  }));

/** An MVTec-like source: normal training images; a test side of normal images and four defect types. */
const mvtecLike = (): SplitSamples => ({
  train: samples('train', 200, 'good'),
  test: [
    ...samples('test', 40, 'good'),
    ...['hole', 'spot', 'crack', 'scratch'].flatMap((d) => samples('test', 10, d)),
    ...samples('test', 1, 'rare'),
    ...samples('test', 2, 'odd'),
  ],
});

/** A one-class source: every class of the training file labelled (class 3 normal), and a test file. */
const oneClassLike = (): SplitSamples => ({
  train: [...samples('train', 50, 'good'), ...['1', '2', '4'].flatMap((d) => samples('train', 40, d))],
  test: [...samples('test', 20, 'good'), ...['1', '2', '4'].flatMap((d) => samples('test', 20, d))],
});

const paths = (list: Sample[]) => list.map((s) => s.path);
const count = (list: Sample[], defect: string) => list.filter((s) => s.defect === defect).length;

/** No path in two sets. */
function expectDisjoint(split: Split): void {
  const all = [...paths(split.train), ...paths(split.validation), ...paths(split.test)];
  expect(new Set(all).size).toBe(all.length);
}

describe('train / validation / test', () => {
  it('takes validation from the test side, a quarter of each group, leaving at least one of each to test', () => {
    const source = mvtecLike();
    const split = splitSamples(source, { seed: 0 });
    expectDisjoint(split);
    expect(paths(split.train)).toEqual(paths(source.train));
    expect(new Set([...paths(split.validation), ...paths(split.test)])).toEqual(new Set(paths(source.test)));
    expect(VALIDATION_SHARE_OF_TEST).toBe(0.25);
    expect(count(split.validation, 'good')).toBe(10);
    for (const d of ['hole', 'spot', 'crack', 'scratch']) expect(count(split.validation, d)).toBe(3); // round(2.5)
    expect([count(split.validation, 'rare'), count(split.test, 'rare')]).toEqual([0, 1]);
    expect([count(split.validation, 'odd'), count(split.test, 'odd')]).toEqual([1, 1]);
    // Each set keeps the source's order.
    const order = paths(source.test);
    expect(paths(split.test)).toEqual(order.filter((p) => paths(split.test).includes(p)));
    // The data seed alone decides: the same seed gives the same split, another seed another.
    expect(splitSamples(mvtecLike(), { seed: 0 })).toEqual(split);
    expect(paths(splitSamples(mvtecLike(), { seed: 1 }).validation)).not.toEqual(paths(split.validation));
  });

  it('takes validation from a one-class training file, a tenth of each class; the test file stays whole', () => {
    const source = oneClassLike();
    const split = splitSamples(source, { seed: 3 });
    expectDisjoint(split);
    expect(VALIDATION_SHARE_OF_TRAINING).toBe(0.1);
    expect(count(split.validation, 'good')).toBe(5);
    for (const d of ['1', '2', '4']) expect(count(split.validation, d)).toBe(4);
    expect(split.train.length).toBe(45);
    expect(split.train.every((s) => s.label === 0)).toBe(true);
    expect(paths(split.test)).toEqual(paths(source.test));
  });

  it('caps the normal training images, the validation set and the test set, each a subset of the uncapped', () => {
    for (const source of [mvtecLike(), oneClassLike()]) {
      const whole = splitSamples(source, { seed: 2 });
      const capped = splitSamples(source, { seed: 2, maxTrain: 7, maxTest: 9 });
      expectDisjoint(capped);
      expect([capped.train.length, capped.validation.length, capped.test.length]).toEqual([7, 9, 9]);
      for (const set of ['train', 'validation', 'test'] as const)
        expect(paths(whole[set])).toEqual(expect.arrayContaining(paths(capped[set])));
    }
  });
});

describe('weakly supervised', () => {
  it('moves 2% of the anomalous validation and test images from validation into training, labels only', () => {
    for (const source of [mvtecLike(), oneClassLike()]) {
      const plain = splitSamples(source, { seed: 4 });
      const weak = splitSamples(source, { seed: 4, weaklySupervised: true });
      expectDisjoint(weak);
      const moved = weak.train.filter((s) => s.label === 1);
      const anomalous = [...plain.validation, ...plain.test].filter((s) => s.label === 1).length;
      expect(moved.length).toBe(Math.max(1, Math.round(0.02 * anomalous)));
      expect(moved.every((s) => s.maskPath === null && s.mask === undefined)).toBe(true);
      expect(paths(plain.validation)).toEqual(expect.arrayContaining(paths(moved)));
      // The test set is the unsupervised models' own; validation lost exactly the moved images.
      expect(paths(weak.test)).toEqual(paths(plain.test));
      expect(paths(weak.validation)).toEqual(paths(plain.validation).filter((p) => !paths(moved).includes(p)));
      // Caps never put a training anomaly back into a set that is scored.
      for (const maxTest of [1, 3, 10, 1000]) {
        const capped = splitSamples(source, { seed: 4, weaklySupervised: true, maxTest, maxTrain: 5 });
        expectDisjoint(capped);
        expect(paths(capped.train.filter((s) => s.label === 1))).toEqual(paths(moved));
      }
    }
  });

  it('refuses a dataset without anomalies, or a validation set with too few, in one line', () => {
    const split = (validation: Sample[], test: Sample[]): Split => ({
      train: samples('t', 3, 'good'),
      validation,
      test,
    });
    expect(() => weaklySupervisedSplit(split(samples('v', 2, 'good'), samples('x', 2, 'good')))).toThrow(
      /weakly supervised split: the dataset has no anomalous images/,
    );
    expect(() => weaklySupervisedSplit(split(samples('v', 2, 'good'), samples('x', 200, 'spot')))).toThrow(
      /4 anomalous image\(s\) should move into training, but the validation set has 0/,
    );
    expect(() => weaklySupervisedSplit(split([], []))).toThrow(DataError);
  });
});

// ---- Every dataset kind through the CLI's loader ----

const gray = (value: number) => {
  const image = createImage(8, 8, 1);
  image.data.fill(value);
  return image;
};

/** A tiny dataset of `kind` on disk; returns the options that load it. */
function onDisk(kind: DatasetKind): { path: string; categories?: string } {
  const root = tmp();
  const pngs = (dir: string, n: number, value: number) => {
    mkdirSync(join(root, dir), { recursive: true });
    for (let i = 0; i < n; i++) writePng(join(root, dir, `${String(i).padStart(3, '0')}.png`), gray(value));
  };
  switch (kind) {
    case 'builtin':
      return { path: root, categories: 'weave' };
    case 'mvtec':
      pngs('train/good', 12, 0.5);
      pngs('test/good', 8, 0.5);
      pngs('test/spot', 8, 1);
      pngs('test/hole', 6, 0);
      return { path: root };
    case 'folder':
      pngs('normal', 20, 0.5);
      pngs('anomalous', 12, 1);
      return { path: root };
    case 'mnist': {
      const idx = (name: string, magic: number, dims: number[], data: number[]) => {
        const header = Buffer.alloc(4 + 4 * dims.length);
        header.writeUInt32BE(magic, 0);
        dims.forEach((d, k) => header.writeUInt32BE(d, 4 + 4 * k));
        writeFileSync(join(root, name), Buffer.concat([header, Buffer.from(data)]));
      };
      for (const [prefix, n] of [
        ['train', 300],
        ['t10k', 100],
      ] as const) {
        const labels = Array.from({ length: n }, (_, i) => i % 10);
        idx(
          `${prefix}-images-idx3-ubyte`,
          0x803,
          [n, 28, 28],
          labels.flatMap((l) => Array(784).fill(l * 20)),
        );
        idx(`${prefix}-labels-idx1-ubyte`, 0x801, [n], labels);
      }
      return { path: root, categories: '3' };
    }
    case 'cifar10': {
      const batch = (n: number) =>
        Buffer.concat(Array.from({ length: n }, (_, i) => Buffer.from([i % 10, ...Array(3072).fill(i % 10)])));
      writeFileSync(join(root, 'data_batch_1.bin'), batch(200));
      writeFileSync(join(root, 'test_batch.bin'), batch(60));
      return { path: root, categories: '7' };
    }
  }
}

describe('every dataset kind', () => {
  it('gives three disjoint sets, unsupervised and weakly supervised, with anomalies to validate on', () => {
    expect(DATASETS).toEqual(['builtin', 'mvtec', 'folder', 'mnist', 'cifar10']);
    for (const dataset of DATASETS) {
      const where = onDisk(dataset);
      const load = (weaklySupervised: boolean) =>
        loadCategories({
          dataset,
          ...where,
          imageSize: 16,
          channels: 1,
          dataSeed: 5,
          weaklySupervised,
          check: { convertChannels: true, minNormalTrain: 2, channelAdvice: () => '' },
        }).categories;
      const [plain] = load(false);
      const [weak] = load(true);
      for (const { split } of [plain, weak]) {
        expectDisjoint(split);
        expect(
          split.validation.some((s) => s.label === 1),
          dataset,
        ).toBe(true);
        expect(
          split.validation.some((s) => s.label === 0),
          dataset,
        ).toBe(true);
        expect(
          split.test.some((s) => s.label === 1),
          dataset,
        ).toBe(true);
      }
      expect(
        plain.split.train.every((s) => s.label === 0),
        dataset,
      ).toBe(true);
      expect(weak.split.train.filter((s) => s.label === 1).length, dataset).toBeGreaterThan(0);
      expect(paths(weak.split.test), dataset).toEqual(paths(plain.split.test));
    }
  });
});
