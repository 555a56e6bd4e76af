// Checks before anything trains: the whole dataset's headers, channels, masks and normal images, every problem listed
// at once; images that are all the same; image files to score; file-system errors as one line naming the path and what
// to do; calibration that refuses maps without spread instead of saving NaN.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  createImage,
  DataError,
  Dataset,
  decodePng,
  encodePng,
  writePng,
  type Image,
  type Sample,
} from '../../src/anomaly/data/index.ts';
import { fileError, readFile } from '../../src/anomaly/data/files.ts';
import { readPngHeader } from '../../src/anomaly/data/png.ts';
import {
  checkCategory,
  checkImageFiles,
  DatasetProblems,
  requireVariedImages,
  type PreflightOptions,
} from '../../src/anomaly/data/preflight.ts';
import { PixelCalibration } from '../../src/anomaly/pixel-calibration.ts';
import '../../src/devices.ts';
import { tensor } from '../../src/tensor/creation.ts';
import { chunk, pngBytes } from '../helpers/png-bytes.ts';

const root = mkdtempSync(join(tmpdir(), 'cavga-preflight-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const image = (w: number, h: number, channels: number, value = 0.5): Image => {
  const img = createImage(w, h, channels);
  img.data.fill(value);
  return img;
};
const file = (name: string, img: Image) => {
  const path = join(root, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writePng(path, img);
  return path;
};
const good = (path: string): Sample => ({ path, label: 0, defect: 'good', maskPath: null });
const bad = (path: string, maskPath: string | null): Sample => ({ path, label: 1, defect: 'spot', maskPath });
const options: PreflightOptions = {
  channels: 3,
  convertChannels: false,
  minNormalTrain: 2,
  channelAdvice: (c) => `pass --convert-channels (or --channels ${c})`,
};

describe('dataset checks before training', () => {
  it('a sound category has no problems', () => {
    const split = {
      train: [good(file('ok/a.png', image(8, 8, 3))), good(file('ok/b.png', image(8, 8, 3, 0.2)))],
      test: [bad(file('ok/c.png', image(8, 8, 3)), file('ok/c_mask.png', image(8, 8, 1, 1)))],
    };
    expect(checkCategory('ok', split, options)).toEqual([]);
  });

  it('lists every problem of a category, one line each naming the file: unreadable, not PNG, masks, too few normal', () => {
    const folder = join(root, 'broken/folder.png');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(root, 'broken/text.png'), 'hello');
    const split = {
      train: [good(file('broken/a.png', image(8, 8, 3)))],
      test: [
        good(folder),
        good(join(root, 'broken/missing.png')),
        good(join(root, 'broken/text.png')),
        bad(file('broken/d.png', image(8, 8, 3)), file('broken/d_mask.png', image(4, 8, 1))),
        bad(file('broken/e.png', image(8, 8, 3)), join(root, 'broken/e_mask.png')),
      ],
    };
    const problems = checkCategory('broken', split, options);
    const expected = [
      [folder, 'is a folder, not a file'],
      ['missing.png', 'not found'],
      ['text.png', 'not a PNG'],
      ['d_mask.png', 'mask is 4x8 but its image', 'd.png is 8x8'],
      ['e_mask.png', 'not found'],
      ['broken: 1 normal training image, at least 2 needed'],
    ];
    expect(problems).toHaveLength(expected.length);
    expected.forEach((parts, k) => parts.forEach((part) => expect(problems[k]).toContain(part)));
    problems.forEach((p) => expect(p).not.toContain('\n'));
  });

  it('channels: a category of the other kind is converted only when asked; a category mixing both is refused', () => {
    const grey = {
      train: [good(file('grey/a.png', image(8, 8, 1))), good(file('grey/b.png', image(8, 8, 1, 0.1)))],
      test: [good(file('grey/c.png', image(8, 8, 1)))],
    };
    expect(checkCategory('grey', grey, options)).toEqual([
      `grey: 3 images with 1 channel (e.g. ${join(root, 'grey/a.png')}) but the model takes 3; pass --convert-channels (or --channels 1)`,
    ]);
    expect(checkCategory('grey', grey, { ...options, convertChannels: true })).toEqual([]);
    const mixed = { ...grey, test: [good(file('mixed/c.png', image(8, 8, 3)))] };
    for (const convertChannels of [false, true]) {
      const [problem] = checkCategory('mixed', mixed, { ...options, convertChannels });
      expect(problem).toMatch(/^mixed: mixes gray and colour images, 2 with 1 channel .* and 1 with 3 channels/);
    }
  });

  it('samples decoded already (IDX, CIFAR-10 records) are checked from their images', () => {
    const records = { train: [{ ...good('digits#0'), image: image(28, 28, 1) }], test: [] };
    expect(checkCategory('digit-0', records, options)).toEqual([
      'digit-0: 1 image with 1 channel (e.g. digits#0) but the model takes 3; pass --convert-channels (or --channels 1)',
      'digit-0: 1 normal training image, at least 2 needed (to train, and to calibrate the scoring on); add normal images',
    ]);
  });

  it('one problem is one line; more are listed under a heading, at most 40', () => {
    expect(new DatasetProblems('cavga train', 'trained', ['a: bad']).message).toBe('cavga train: a: bad');
    const many = new DatasetProblems(
      'cavga train',
      'trained',
      Array.from({ length: 45 }, (_, k) => `file ${k}: bad`),
    ).message.split('\n');
    expect(many[0]).toBe('cavga train: 45 problems found; nothing was trained:');
    expect(many.slice(1, 3)).toEqual(['  file 0: bad', '  file 1: bad']);
    expect(many).toHaveLength(42);
    expect(many.at(-1)).toBe('  ... and 5 more');
  });

  it('refuses normal training images that are all the same, once loaded', () => {
    const p = { size: 8, channels: 3 as const };
    const same = Dataset.load(
      [good('a'), good('b'), good('c')].map((s) => ({ ...s, image: image(8, 8, 3) })),
      p,
      'x',
    );
    expect(() => requireVariedImages(same, 'flat')).toThrow(
      /^flat: its 3 normal training images are all the same \(e\.g\. a\); a detector needs normal images that vary/,
    );
    const varied = Dataset.load(
      [good('a'), good('b')].map((s, k) => ({ ...s, image: image(8, 8, 3, k / 2) })),
      p,
      'x',
    );
    expect(() => requireVariedImages(varied, 'varied')).not.toThrow();
  });

  it('image files to score may mix gray and colour when converted; otherwise the others are counted in one line', () => {
    const paths = [
      file('in/a.png', image(8, 8, 3)),
      file('in/b.png', image(8, 8, 1)),
      file('in/c.png', image(8, 8, 1)),
    ];
    expect(checkImageFiles(paths, { ...options, convertChannels: true })).toEqual([]);
    expect(checkImageFiles([...paths, join(root, 'in')], options)).toEqual([
      `${join(root, 'in')}: cannot read: is a folder, not a file; give the path of a file (EISDIR)`,
      `input images: 2 images with 1 channel (e.g. ${paths[1]}) but the model takes 3; pass --convert-channels (or --channels 1)`,
    ]);
  });
});

describe('PNG headers', () => {
  it('give the size and channels decodePng gives, for every colour type', () => {
    const files: [string, Buffer][] = [
      ['gray16', pngBytes(3, 2, 0, 16, [1, 2, 3, 4, 5, 6])],
      ['gray-alpha', pngBytes(2, 1, 4, 8, [1, 2, 3, 4])],
      [
        'palette',
        pngBytes(
          2,
          1,
          3,
          1,
          [0, 1],
          [
            [0, 0, 0],
            [9, 9, 9],
          ],
        ),
      ],
      ['rgba', pngBytes(1, 2, 6, 8, [1, 2, 3, 4, 5, 6, 7, 8])],
      ['rgb', encodePng(image(5, 4, 3))],
    ];
    for (const [name, bytes] of files) {
      const path = join(root, `${name}.png`);
      writeFileSync(path, bytes);
      const header = readPngHeader(path);
      const decoded = decodePng(bytes, path);
      expect([header.width, header.height, header.channels], name).toEqual([
        decoded.width,
        decoded.height,
        decoded.channels,
      ]);
    }
    expect(readPngHeader(join(root, 'gray16.png')).bitDepth).toBe(16);
  });

  it('refuse a bomb at once: a huge header over a little data that inflates to zeros', () => {
    const bomb = (side: number) => {
      const ihdr = Buffer.alloc(13);
      ihdr.writeUInt32BE(side, 0);
      ihdr.writeUInt32BE(side, 4);
      ihdr.set([8, 2, 0, 0, 0], 8);
      const signature = encodePng(image(1, 1, 1)).subarray(0, 8);
      const pixels = chunk('IDAT', deflateSync(Buffer.alloc(1000)));
      return Buffer.concat([signature, chunk('IHDR', ihdr), pixels, chunk('IEND', Buffer.alloc(0))]);
    };
    const start = performance.now();
    expect(() => decodePng(bomb(20000), 'bomb.png')).toThrow(/^bomb\.png: 20000 x 20000 pixels is larger than 8192/);
    expect(() => decodePng(bomb(8000), 'bomb.png')).toThrow(
      /^bomb\.png: truncated PNG \(8000 x 8000 pixels cannot fit in \d+ bytes\)/,
    );
    expect(performance.now() - start).toBeLessThan(100);
  });

  it('refuse, every time, pixel data that inflates to fewer bytes than the rows need (pngjs would read stale memory)', () => {
    // 40 x 40 gray, 8-bit: 40 rows of 41 bytes are needed and the stream holds 2. pngjs 7 alone returned whatever the
    // heap held past them: accepted or refused depending on earlier allocations, so garbage is left in the heap first.
    const rows = Buffer.alloc(2 * 41, 7);
    rows[0] = rows[41] = 0;
    const whole = pngBytes(40, 40, 0, 8, new Array(1600).fill(7));
    const short = Buffer.concat([
      whole.subarray(0, 33),
      chunk('IDAT', deflateSync(rows)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    for (let fill = 0; fill < 256; fill += 51) {
      for (let k = 0; k < 100; k++) Buffer.allocUnsafe(1640 + k).fill(fill);
      expect(() => decodePng(short, 'short.png')).toThrow(
        /^short\.png: corrupt or truncated PNG \(its pixel data holds 82 of the 1640 bytes it needs\)$/,
      );
    }
    // The same file with all its rows, and one whose stream was cut mid-way, decoded and refused as before.
    expect(Array.from(decodePng(whole, 'whole.png').data).every((v) => v === Math.fround(7 / 255))).toBe(true);
    const cut = Buffer.concat([whole.subarray(0, 33), chunk('IDAT', deflateSync(Buffer.alloc(1640)).subarray(0, 6))]);
    expect(() => decodePng(cut, 'cut.png')).toThrow(
      /^cut\.png: corrupt or truncated PNG \(its pixel data holds \d+ of the 1640/,
    );
  });
});

describe('file-system errors', () => {
  const errno = (code: string) => Object.assign(new Error(`${code}: something`), { code });

  it('name the path, what is wrong and what to do, in one line', () => {
    const under = join(root, 'ok/a.png', 'run');
    const cases: [unknown, string, string][] = [
      [errno('ENOSPC'), 'write', 'no space left on the device; free some space or choose a folder on another disk'],
      [errno('EROFS'), 'write', 'is on a read-only file system; choose a folder on a writable disk'],
      [errno('EACCES'), 'read', 'permission denied'],
      // Wrapped, as saveSafetensors and loadSafetensors wrap what they catch.
      [new Error('saveSafetensors: could not write', { cause: errno('EDQUOT') }), 'write', 'disk quota exceeded'],
    ];
    for (const [e, doing, advice] of cases) {
      const line = fileError(e, '/data/x', doing as 'read').message;
      expect(line).toMatch(new RegExp(`^/data/x: cannot ${doing}: .*\\(E[A-Z]+\\)$`));
      expect(line).toContain(advice);
    }
    expect(fileError(errno('ENOTDIR'), under, 'create the folder').message).toBe(
      `${under}: cannot create the folder: ${join(root, 'ok/a.png')} is a file, not a folder; choose a path under a folder`,
    );
    expect(() => readFile(join(root, 'ok'))).toThrow(
      new DataError(`${join(root, 'ok')}: cannot read: is a folder, not a file; give the path of a file (EISDIR)`),
    );
    const other = new TypeError('not a file-system error');
    expect(fileError(other, '/x', 'read')).toBe(other);
  });
});

describe('calibration', () => {
  it('refuses maps without spread (all the same) or with non-finite values, instead of saving NaN', async () => {
    const calibration = new PixelCalibration(2);
    const maps = (values: number[][]) => [tensor(values.flat(), [values.length, 1, 2, 2])];
    await expect(calibration.fit(maps([[1, 2, 3, 4]]))).rejects.toThrow(/needs at least 2 normal images, got 1/);
    await expect(
      calibration.fit(
        maps([
          [1, 2, 3, 4],
          [1, 2, 3, 4],
        ]),
      ),
    ).rejects.toThrow(/the anomaly maps of the 2 normal images are all the same, so they have no spread/);
    expect(calibration.calibrated).toBe(false);
    expect(
      await calibration.fit(
        maps([
          [1, 2, 3, 4],
          [1, 2, 3, 5],
        ]),
      ),
    ).toBe(2);
    expect(Number.isFinite(await calibration.threshold.item())).toBe(true);
  });
});
