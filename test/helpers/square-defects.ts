// A small dataset in memory, as a page would hold it (decoded images, labels, masks): noisy flat images of one colour,
// and anomalous ones with a bright 4 x 4 square where their mask is 1.

import type { Image } from '../../src/anomaly/data/image.ts';
import type { Sample } from '../../src/anomaly/data/sample.ts';
import { Lcg } from '../../src/tensor/lcg.ts';

export const SIZE = 16;
export const SQUARE = 4;

function plainImage(lcg: Lcg): Image {
  const data = new Float32Array(3 * SIZE * SIZE);
  for (let c = 0; c < 3; c++)
    for (let p = 0; p < SIZE * SIZE; p++) data[c * SIZE * SIZE + p] = 0.3 + 0.1 * c + 0.05 * lcg.next();
  return { width: SIZE, height: SIZE, channels: 3, data };
}

/** Anomalous image k: a square of 1s at a corner that moves with k, and its mask. */
function withSquare(image: Image, k: number): { image: Image; mask: Image } {
  const mask: Image = { width: SIZE, height: SIZE, channels: 1, data: new Float32Array(SIZE * SIZE) };
  const x0 = (3 * k + 1) % (SIZE - SQUARE);
  const y0 = (5 * k + 2) % (SIZE - SQUARE);
  for (let y = y0; y < y0 + SQUARE; y++) {
    for (let x = x0; x < x0 + SQUARE; x++) {
      mask.data[y * SIZE + x] = 1;
      for (let c = 0; c < 3; c++) image.data[c * SIZE * SIZE + y * SIZE + x] = 1;
    }
  }
  return { image, mask };
}

/** `train` normal training images; a test set of `normal` normal images, then `anomalous` ones with masks. */
export function squareDefects(train: number, normal: number, anomalous: number): { train: Sample[]; test: Sample[] } {
  const lcg = new Lcg(7);
  const good = (name: string): Sample => ({ path: name, label: 0, defect: 'good', image: plainImage(lcg) });
  return {
    train: Array.from({ length: train }, (_, i) => good(`train/${i}`)),
    test: [
      ...Array.from({ length: normal }, (_, i) => good(`test/good/${i}`)),
      ...Array.from({ length: anomalous }, (_, k) => ({
        path: `test/square/${k}`,
        label: 1 as const,
        defect: 'square',
        ...withSquare(plainImage(lcg), k),
      })),
    ],
  };
}
