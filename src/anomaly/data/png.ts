// PNG files to and from float images. Reading accepts every PNG colour type (gray, gray + alpha, RGB, RGBA, palette) at
// 1 to 16 bits; alpha is dropped (inspection images are opaque). Writing produces 8-bit gray or RGB. The header (size,
// colour type, bit depth) is checked before pngjs decodes anything, so a damaged or hostile file is refused in one line
// instead of making pngjs allocate gigabytes; readPngHeader reads only the header, for checking whole datasets quickly.

import { closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { constants, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { DataError, oneLine } from './errors.ts';
import { fileError, readFile } from './files.ts';
import { fromInterleaved, type Image } from './image.ts';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The signature, the IHDR chunk's length and type, its 13 bytes of data and its CRC. */
const HEADER_BYTES = 33;
/** Bit depths each colour type allows, and its samples per pixel. */
const DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Larger images are refused before decoding: 8192 x 8192 pixels (768 MiB as float RGB). */
export const MAX_PIXELS = 8192 * 8192;
/** Deflate shrinks data at most about 1032 times, so a file this much smaller than its pixel data cannot hold it. */
const MAX_DEFLATE_RATIO = 1032;

/** What a PNG's header says, read without decoding the pixels. */
export interface PngHeader {
  width: number;
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  bitDepth: number;
  /** What decodePng gives: 1 for gray (with or without alpha), 3 for colour (RGB, RGBA, palette). */
  channels: 1 | 3;
}

/**
 * Checks a PNG's signature and header (the first HEADER_BYTES of `bytes`) for a file of `fileSize` bytes: a known
 * colour type and bit depth, a size from 1 x 1 to MAX_PIXELS, and a file large enough to hold that many pixels.
 */
export function parsePngHeader(bytes: Uint8Array, fileSize: number, path: string): PngHeader {
  if (bytes.length < SIGNATURE.length || !SIGNATURE.equals(bytes.subarray(0, SIGNATURE.length)))
    throw new DataError(`${path}: not a PNG file`);
  if (bytes.length < HEADER_BYTES) throw new DataError(`${path}: truncated PNG (${fileSize} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR')
    throw new DataError(`${path}: corrupt PNG (it does not start with an IHDR header)`);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const [bitDepth, colorType, compression, filter, interlace] = bytes.subarray(24, 29);
  if (!DEPTHS[colorType]?.includes(bitDepth))
    throw new DataError(`${path}: corrupt PNG (colour type ${colorType} with bit depth ${bitDepth})`);
  if (compression !== 0 || filter !== 0 || interlace > 1)
    throw new DataError(`${path}: corrupt PNG (unknown compression, filter or interlace method)`);
  if (width === 0 || height === 0 || width >= 2 ** 31 || height >= 2 ** 31)
    throw new DataError(`${path}: corrupt PNG (${width} x ${height} pixels)`);
  if (width * height > MAX_PIXELS)
    throw new DataError(`${path}: ${width} x ${height} pixels is larger than 8192 x 8192; resize the image`);
  const pixelBytes = height * (1 + Math.ceil((width * SAMPLES[colorType] * bitDepth) / 8));
  if (fileSize * MAX_DEFLATE_RATIO < pixelBytes)
    throw new DataError(`${path}: truncated PNG (${width} x ${height} pixels cannot fit in ${fileSize} bytes)`);
  return { width, height, bitDepth, channels: colorType & 2 ? 3 : 1 };
}

/** The header of a PNG file, reading only its first bytes; errors name the file. */
export function readPngHeader(path: string): PngHeader {
  const bytes = Buffer.alloc(HEADER_BYTES);
  let fd: number | undefined;
  let size: number;
  let read: number;
  try {
    fd = openSync(path, 'r');
    size = fstatSync(fd).size;
    read = readSync(fd, bytes, 0, HEADER_BYTES, 0);
  } catch (e) {
    throw fileError(e, path, 'read');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return parsePngHeader(bytes.subarray(0, read), size, path);
}

/** Decodes PNG bytes; `path` names the source in errors. */
export function decodePng(bytes: Buffer, path: string): Image {
  const { width, height, channels } = parsePngHeader(bytes, bytes.length, path);
  checkPixelDataLength(bytes, path);
  let png;
  try {
    // skipRescale keeps 16-bit samples (as a Uint16Array) instead of rounding them to 8 bits.
    png = PNG.sync.read(bytes, { skipRescale: true });
  } catch (e) {
    throw new DataError(`${path}: corrupt or truncated PNG (${oneLine((e as Error).message)})`);
  }
  // pngjs expands every colour type to RGBA; palette entries are 8-bit, other samples keep the file's bit depth.
  if (png.data.length !== width * height * 4)
    throw new DataError(`${path}: corrupt PNG (pixel data of the wrong size)`);
  const max = png.palette ? 255 : 2 ** png.depth - 1;
  return fromInterleaved(png.data as Buffer | Uint16Array, width, height, channels, 4, max);
}

/**
 * Refuses a non-interlaced PNG whose compressed pixel data inflates to fewer bytes than its rows need. pngjs 7's own
 * synchronous inflate (used for exactly these files) reads Node's zlib results in the wrong order, so for such a file
 * it returns uninitialised memory as pixels: a damaged file was accepted or refused depending on what the heap held.
 * Inflating stops at the size the rows need, so a bomb costs no more than a valid file of its size.
 */
function checkPixelDataLength(bytes: Buffer, path: string): void {
  const [bitDepth, colorType, , , interlace] = bytes.subarray(24, 29);
  if (interlace) return; // pngjs inflates interlaced files with Node's zlib, which is correct
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rowBytes = 1 + Math.ceil((view.getUint32(16) * SAMPLES[colorType] * bitDepth) / 8);
  const needed = rowBytes * view.getUint32(20);
  const idat: Buffer[] = [];
  // Chunks: 4-byte length, 4-byte type, data, 4-byte CRC; pngjs refuses a broken sequence itself.
  for (let at = SIGNATURE.length; at + 8 <= bytes.length;) {
    const length = view.getUint32(at);
    const end = at + 8 + length;
    if (end > bytes.length) break;
    if (bytes.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(bytes.subarray(at + 8, end));
    at = end + 4;
  }
  let inflated: number;
  try {
    // Sync flush: a stream cut short still yields what it holds; the limit stops a bomb at one byte too many.
    inflated = inflateSync(Buffer.concat(idat), {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: needed,
    }).length;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return;
    throw new DataError(`${path}: corrupt PNG (${oneLine((e as Error).message)})`);
  }
  if (inflated < needed)
    throw new DataError(
      `${path}: corrupt or truncated PNG (its pixel data holds ${inflated} of the ${needed} bytes it needs)`,
    );
}

export function readPng(path: string): Image {
  return decodePng(readFile(path), path);
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
  try {
    writeFileSync(path, encodePng(img));
  } catch (e) {
    throw fileError(e, path, 'write');
  }
}
