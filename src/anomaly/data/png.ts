// PNG files to and from float images. Reading accepts every PNG colour type (gray, gray + alpha, RGB, RGBA, palette) at
// 1 to 16 bits; alpha is dropped (inspection images are opaque). Writing produces 8-bit gray or RGB.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { DataError } from './errors.ts';
import { fromInterleaved, type Image } from './image.ts';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decodes PNG bytes; `path` names the source in errors. */
export function decodePng(bytes: Buffer, path: string): Image {
  if (bytes.length < SIGNATURE.length || !bytes.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
    throw new DataError(`${path}: not a PNG file`);
  }
  let png;
  try {
    // skipRescale keeps 16-bit samples (as a Uint16Array) instead of rounding them to 8 bits.
    png = PNG.sync.read(bytes, { skipRescale: true });
  } catch (e) {
    throw new DataError(`${path}: corrupt or truncated PNG (${(e as Error).message})`);
  }
  const { width, height } = png;
  // pngjs expands every colour type to RGBA; palette entries are 8-bit, other samples keep the file's bit depth.
  const max = png.palette ? 255 : 2 ** png.depth - 1;
  return fromInterleaved(png.data as Buffer | Uint16Array, width, height, png.color ? 3 : 1, 4, max);
}

export function readPng(path: string): Image {
  if (!existsSync(path)) throw new DataError(`${path}: file not found`);
  return decodePng(readFileSync(path), path);
}

/** 8-bit gray (1 channel) or RGB (3 channels) PNG bytes of an image in [0, 1] (values outside are clipped). */
export function encodePng(img: Image): Buffer {
  if (img.channels !== 1 && img.channels !== 3)
    throw new Error(`encodePng: ${img.channels} channels; only 1 or 3 can be written`);
  const n = img.width * img.height;
  const bytes = Buffer.alloc(n * img.channels);
  for (let c = 0; c < img.channels; c++) {
    for (let i = 0; i < n; i++)
      bytes[i * img.channels + c] = Math.round(Math.min(1, Math.max(0, img.data[c * n + i])) * 255);
  }
  const colorType = img.channels === 1 ? 0 : 2;
  const png = new PNG({ width: img.width, height: img.height });
  png.data = bytes;
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: false });
}

export function writePng(path: string, img: Image): void {
  writeFileSync(path, encodePng(img));
}
