// Rasters as PNG bytes (Node: pngjs), kept apart from raster.ts so that the drawing code has no Node dependency.

import { PNG } from 'pngjs';
import type { Raster } from './raster.ts';

export function encodePng(r: Raster): Buffer {
  const png = new PNG({ width: r.width, height: r.height });
  png.data = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
  return PNG.sync.write(png);
}
