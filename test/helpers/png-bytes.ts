// A minimal PNG encoder, independent of pngjs, for every colour type and bit depth, and the chunk writer behind it (so
// that tests can build damaged files with valid checksums).

import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export const crc32 = (bytes: Buffer) => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
export function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}
/** samples: row-major, interleaved, one number per sample (palette: indices). Depths below 8 are packed MSB first. */
export function pngBytes(
  width: number,
  height: number,
  colorType: number,
  depth: number,
  samples: number[],
  palette?: number[][],
): Buffer {
  const perPixel = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType]!;
  const rowBytes = Math.ceil((width * perPixel * depth) / 8);
  const raw = Buffer.alloc(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    for (let i = 0; i < width * perPixel; i++) {
      const v = samples[y * width * perPixel + i];
      if (depth === 16) row.writeUInt16BE(v, 2 * i);
      else if (depth === 8) row[i] = v;
      else row[(i * depth) >> 3] |= v << (8 - depth - ((i * depth) & 7));
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([depth, colorType, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(palette ? [chunk('PLTE', Buffer.from(palette.flat()))] : []),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
