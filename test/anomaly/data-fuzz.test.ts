// Fuzzing the dataset parsers: PNG (our header checks, then pngjs), IDX files raw and gzipped with the MNIST checks,
// CIFAR-10 binary batches, and the `mnist` package's JSON. At least 1,000 mutated inputs per parser (truncations, bit
// flips, huge, zero or negative dimensions, wrong magic numbers and types), each parsed into a consistent result or
// refused in one line naming the file: never a crash, a hang or a huge allocation.

import { describe, expect, it } from 'vitest';
import { deflateSync, gzipSync } from 'node:zlib';
import { createImage, decodeIdx, decodePng, encodePng, type Image } from '../../src/anomaly/data/index.ts';
import { parsePngHeader } from '../../src/anomaly/data/png.ts';
import { mnistRecords, decodeDigits } from '../../src/anomaly/data/mnist.ts';
import { cifar10Records } from '../../src/anomaly/data/cifar10.ts';
import { DataError } from '../../src/anomaly/data/errors.ts';
import { editJson, fuzz, fuzzInputs, type Mutator } from '../helpers/fuzz.ts';
import { chunk, pngBytes } from '../helpers/png-bytes.ts';

const NAME = 'fuzzed.bin';
const names = new RegExp(`^${NAME.replace('.', '\\.')}[:#]`);

/** An image's values are finite, in [0, 1], and as many as its size says. */
function expectImage(img: Image): void {
  expect(img.width * img.height * img.channels).toBe(img.data.length);
  expect(img.data.every((v) => v >= 0 && v <= 1)).toBe(true);
}

// ---- PNG ----

const random = (n: number, max: number) => Array.from({ length: n }, (_, i) => (i * 37 + 11) % (max + 1));
const rgb = createImage(7, 5, 3);
rgb.data.set(random(105, 255).map((v) => v / 255));
const pngSeeds = [
  encodePng(rgb),
  pngBytes(6, 3, 0, 16, random(18, 65535)),
  pngBytes(9, 2, 0, 1, random(18, 1)),
  pngBytes(4, 4, 3, 4, random(16, 2), [
    [0, 0, 0],
    [255, 128, 0],
    [9, 9, 9],
  ]),
  pngBytes(3, 3, 6, 8, random(36, 255)),
  pngBytes(5, 2, 4, 8, random(20, 255)),
];

/** A PNG's chunks, or null when the bytes are no longer a sequence of chunks. */
function chunks(bytes: Uint8Array): { type: string; data: Buffer }[] | null {
  const b = Buffer.from(bytes);
  const out = [];
  for (let at = 8; at < b.length;) {
    if (at + 12 > b.length) return null;
    const length = b.readUInt32BE(at);
    if (at + 12 + length > b.length) return null;
    out.push({ type: b.toString('latin1', at + 4, at + 8), data: b.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

/** Chunks back into a file, every checksum valid, so the damage is past pngjs's CRC check. */
const rebuild = (parts: { type: string; data: Buffer }[]) =>
  Uint8Array.from(Buffer.concat([Buffer.from(pngSeeds[0].subarray(0, 8)), ...parts.map((c) => chunk(c.type, c.data))]));

const HUGE = [0, 1, 2 ** 31, 2 ** 32 - 1, 65535, 8193, 100_000];
/** A header field made wrong: a huge, zero or wrapped dimension, an unknown depth, colour type or method. */
const headerEdit: Mutator = (bytes, rng) => {
  const parts = chunks(bytes);
  const ihdr = parts?.find((c) => c.type === 'IHDR');
  if (!parts || !ihdr || ihdr.data.length !== 13) return bytes;
  const data = Buffer.from(ihdr.data);
  const field = rng.int(4);
  if (field === 0) data.writeUInt32BE(rng.pick(HUGE), 4 * rng.int(2));
  else if (field === 1) data[8] = rng.pick([0, 3, 5, 7, 16, 32, 255]);
  else if (field === 2) data[9] = rng.pick([1, 2, 3, 5, 7, 255]);
  else data[10 + rng.int(3)] = rng.pick([1, 2, 255]);
  return rebuild(parts.map((c) => (c === ihdr ? { type: 'IHDR', data } : c)));
};
/** Pixel data made wrong with a valid checksum: cut short, too long, not deflate at all, or gone. */
const pixelEdit: Mutator = (bytes, rng) => {
  const parts = chunks(bytes);
  const idat = parts?.find((c) => c.type === 'IDAT');
  if (!parts || !idat) return bytes;
  const edits = [
    () => idat.data.subarray(0, rng.int(idat.data.length)),
    () => deflateSync(Buffer.alloc(rng.int(4000))),
    () => Buffer.from(random(1 + rng.int(64), 255)),
  ];
  if (rng.int(5) === 0) return rebuild(parts.filter((c) => c !== idat));
  return rebuild(parts.map((c) => (c === idat ? { type: 'IDAT', data: rng.pick(edits)() } : c)));
};
/**
 * A bomb: both sides large and a little pixel data that inflates to zeros, all checksums valid. pngjs alone accepts
 * such a file and pads the pixels, taking seconds and gigabytes (20000 x 20000: 37 s, 4 GB).
 */
const bombEdit: Mutator = (bytes, rng) => {
  const parts = chunks(bytes);
  const ihdr = parts?.find((c) => c.type === 'IHDR');
  if (!parts || !ihdr || ihdr.data.length !== 13) return bytes;
  const data = Buffer.from(ihdr.data);
  data.writeUInt32BE(rng.pick([8193, 20000]), 0);
  data.writeUInt32BE(rng.pick([8193, 20000]), 4);
  const pixels = { type: 'IDAT', data: deflateSync(Buffer.alloc(1000 + rng.int(100_000))) };
  return rebuild([
    { type: 'IHDR', data },
    ...parts.filter((c) => c.type === 'PLTE'),
    pixels,
    { type: 'IEND', data: Buffer.alloc(0) },
  ]);
};
/** A chunk's length field set far past the end of the file. */
const lengthEdit: Mutator = (bytes, rng) => {
  const out = Buffer.from(bytes);
  if (out.length >= 12) out.writeUInt32BE(rng.pick([2 ** 31 - 1, 2 ** 32 - 1, out.length]), 8);
  return Uint8Array.from(out);
};

// ---- IDX (MNIST) ----

const idx = (type: number, dims: number[], data: number[]) => {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(type, 0);
  dims.forEach((d, k) => header.writeUInt32BE(d, 4 + 4 * k));
  return Buffer.concat([header, Buffer.from(data)]);
};
const images = idx(0x803, [3, 28, 28], random(3 * 784, 255));
const labels = idx(0x801, [3], [4, 0, 9]);
/** The magic number, element type, rank or a dimension set to something wrong. */
const idxEdit: Mutator = (bytes, rng) => {
  const out = Buffer.from(bytes);
  if (out.length < 8 || out[0] === 0x1f) return bytes;
  const field = rng.int(4);
  if (field === 0) out.writeUInt16BE(rng.pick([1, 0x1f8b, 0xffff]), 0);
  else if (field === 1) out[2] = rng.pick([0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x00]);
  else if (field === 2) out[3] = rng.pick([0, 2, 4, 255]);
  else out.writeUInt32BE(rng.pick(HUGE), 4 + 4 * rng.int(Math.min(out[3], (out.length - 4) >> 2) || 1));
  return Uint8Array.from(out);
};
/** The same edits inside a gzip stream that stays valid. */
const gzipEdit: Mutator = (bytes, rng) => (bytes[0] === 0x1f ? bytes : Uint8Array.from(gzipSync(idxEdit(bytes, rng))));

/** An images or labels file decoded and checked against its unmutated partner; every image read. */
function parseMnist(bytes: Uint8Array) {
  const decoded = decodeIdx(bytes, NAME);
  const isImages = decoded.dims.length !== 1;
  const records = isImages
    ? mnistRecords(decoded, decodeIdx(labels, 'labels'), NAME, 'labels')
    : mnistRecords(decodeIdx(images, 'images'), decoded, 'images', NAME);
  return Array.from(records.labels, (_, i) => records.image(i));
}

// ---- CIFAR-10 ----

const cifar = Buffer.concat([3, 0, 9].map((label, i) => Buffer.from([label, ...random(3072, 200 + i)])));
const cifarEdit: Mutator = (bytes, rng) => {
  const out = Buffer.from(bytes);
  if (out.length) out[3073 * rng.int(Math.max(1, Math.floor(out.length / 3073)))] = 10 + rng.int(246);
  return Uint8Array.from(rng.int(2) ? out : out.subarray(0, out.length - 1 - rng.int(3072)));
};
function parseCifar(bytes: Uint8Array) {
  const records = cifar10Records([{ path: NAME, bytes }]);
  return { labels: Array.from(records.labels), images: Array.from(records.labels, (_, i) => records.image(i)) };
}

// ---- the mnist package's digits JSON ----

const digits = new TextEncoder().encode(JSON.stringify({ data: random(2 * 784, 100).map((v) => v / 100) }));
const asText = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
/**
 * The data made something else (not a list, a value of another type or out of range, a count not of whole images), or
 * still valid: another pixel value.
 */
const digitsEdit: Mutator = (bytes, rng) => {
  let text: string;
  try {
    text = editJson(asText(bytes), (json) => {
      const data = json.data as unknown[];
      const edits = [
        () => (json.data = rng.pick([{ length: 2 ** 40 }, 'data', null, 7, {}])),
        () => Array.isArray(data) && (data[rng.int(data.length)] = rng.pick(['0.5', null, [], -1, 2, 1e300])),
        () => Array.isArray(data) && data.splice(rng.int(data.length), 1 + rng.int(5)),
        () => delete json.data,
        () => Array.isArray(data) && (data[rng.int(data.length)] = rng.pick([0, 1, 0.25])),
      ];
      rng.pick(edits)();
    });
  } catch {
    return bytes;
  }
  return new TextEncoder().encode(text);
};

describe('dataset parsers under fuzzing: parsed consistently or refused in one line naming the file', () => {
  it('PNG: 3,000 mutated files through the header checks and pngjs', () => {
    const untouched = pngSeeds.map((seed) => Buffer.from(seed));
    const outcome = fuzz(
      fuzzInputs(pngSeeds, 3000, [headerEdit, pixelEdit, headerEdit, lengthEdit, bombEdit], 21),
      (bytes) => {
        // The header alone (what dataset checks read) and the whole decode must agree.
        let header: ReturnType<typeof parsePngHeader> | null = null;
        try {
          header = parsePngHeader(bytes.subarray(0, 33), bytes.length, NAME);
        } catch (e) {
          if (!(e instanceof DataError)) throw e;
        }
        const img = decodePng(Buffer.from(bytes), NAME);
        expect(header && [header.width, header.height, header.channels]).toEqual([img.width, img.height, img.channels]);
        return img;
      },
      { names, errorClass: DataError, check: expectImage },
    );
    expect(outcome.refused).toBeGreaterThan(1500);
    // Decoded only when its pixel data is all there (82 of 3,000 with these seeds; 0 while the seeds themselves were
    // being damaged, and then only whatever stale memory pngjs read past a short stream happened to pass).
    expect(outcome.accepted).toBeGreaterThan(40);
    expect(pngSeeds.every((seed, i) => untouched[i].equals(seed))).toBe(true);
    expect(outcome.slowestMs).toBeLessThan(1000);
  });

  it('IDX: 3,000 mutated MNIST files, at least 1,000 each raw and gzipped, with the images-to-labels checks', () => {
    const seeds = [images, labels, gzipSync(images), gzipSync(labels)].map((b) => Uint8Array.from(b));
    const kinds = { raw: 0, gzipped: 0 };
    const inputs = [...fuzzInputs(seeds, 3000, [idxEdit, gzipEdit], 22)];
    for (const { input } of inputs) kinds[input[0] === 0x1f && input[1] === 0x8b ? 'gzipped' : 'raw']++;
    expect(Math.min(kinds.raw, kinds.gzipped), JSON.stringify(kinds)).toBeGreaterThanOrEqual(1000);
    const outcome = fuzz(inputs, parseMnist, {
      names,
      errorClass: DataError,
      check: (imgs) => imgs.forEach(expectImage),
    });
    expect(outcome.refused).toBeGreaterThan(1000);
    expect(outcome.accepted).toBeGreaterThan(10);
    expect(outcome.slowestMs).toBeLessThan(1000);
  });

  it('CIFAR-10: 1,000 mutated batch files', () => {
    const outcome = fuzz(fuzzInputs([Uint8Array.from(cifar)], 1000, [cifarEdit], 23), parseCifar, {
      names,
      errorClass: DataError,
      check: ({ labels, images }) => {
        expect(labels.every((l) => l >= 0 && l <= 9)).toBe(true);
        images.forEach(expectImage);
      },
    });
    expect(outcome.refused).toBeGreaterThan(500);
    expect(outcome.accepted).toBeGreaterThan(10);
    expect(outcome.slowestMs).toBeLessThan(1000);
  });

  it("the mnist package's digits JSON: 1,000 mutated files", () => {
    const outcome = fuzz(fuzzInputs([digits], 1000, [digitsEdit], 24), (bytes) => decodeDigits(asText(bytes), NAME), {
      names,
      errorClass: DataError,
      check: (data) => {
        expect(data.length % 784).toBe(0);
        expect(data.every((v) => v >= 0 && v <= 1)).toBe(true);
      },
    });
    expect(outcome.refused).toBeGreaterThan(500);
    expect(outcome.accepted).toBeGreaterThan(10);
    expect(outcome.slowestMs).toBeLessThan(1000);
  });
});
