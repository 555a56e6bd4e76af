// Image files in a browser (a File from a picker or a drop, or any Blob): decoded by the browser itself, so every format it
// shows can be scored. Pixels come back exactly as stored: no colour-space conversion, no premultiplied alpha.

import { DataError } from './errors.ts';
import { fromInterleaved, type Image } from './image.ts';

/** Decodes an image Blob to a planar image: 1 channel when every pixel is gray (as a gray PNG decodes in Node), else RGB. */
export async function decodeImageBlob(blob: Blob, name: string): Promise<Image> {
  if (typeof createImageBitmap === 'undefined' || typeof OffscreenCanvas === 'undefined') {
    throw new DataError(
      `${name}: decoding image files needs a browser (createImageBitmap and OffscreenCanvas); in Node use readPng`,
    );
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new DataError(
      `${name}: not an image this browser can decode (${blob.type || 'unknown type'}, ${blob.size} bytes)`,
    );
  }
  const { width, height } = bitmap;
  const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!context) throw new DataError(`${name}: this browser gives no 2D canvas to read pixels from`);
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = context.getImageData(0, 0, width, height).data;
  let gray = true;
  for (let i = 0; gray && i < rgba.length; i += 4) gray = rgba[i] === rgba[i + 1] && rgba[i] === rgba[i + 2];
  return fromInterleaved(rgba, width, height, gray ? 1 : 3, 4, 255);
}
