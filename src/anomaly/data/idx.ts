// IDX files (the MNIST format), raw or gzip-compressed: a big-endian header, magic 0x0000 <type> <rank>, then one 32-bit
// size per dimension, then the data. Only unsigned bytes (type 0x08) are supported: images 0x00000803 [n, rows, cols]
// and labels 0x00000801 [n].

import { gunzipSync } from 'node:zlib';
import { DataError, oneLine } from './errors.ts';
import { readFile } from './files.ts';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export function decodeIdx(bytes: Uint8Array, path: string): IdxArray {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DataError(`${path}: corrupt gzip data (${oneLine((e as Error).message)})`);
    }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0) throw new DataError(`${path}: not an IDX file (bad magic number)`);
  if (bytes[2] !== 0x08)
    throw new DataError(
      `${path}: IDX element type 0x${bytes[2].toString(16)} is not supported (only unsigned bytes, 0x08)`,
    );
  const rank = bytes[3];
  const header = 4 + 4 * rank;
  if (rank === 0 || bytes.length < header) throw new DataError(`${path}: truncated IDX header`);
  const dims = Array.from({ length: rank }, (_, k) => view.getUint32(4 + 4 * k));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    throw new DataError(
      `${path}: IDX data of dims [${dims.join(', ')}] needs ${size} bytes after the header, found ${bytes.length - header}`,
    );
  }
  return { dims, data: bytes.subarray(header) };
}

export function readIdx(path: string): IdxArray {
  return decodeIdx(readFile(path), path);
}
