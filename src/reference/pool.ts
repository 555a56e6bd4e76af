// Float64 pooling and its adjoints. Max pooling records, per output, the flat index (y * w + x) of the chosen input
// within its plane; scatter and gather reuse it, so they are exact adjoints of each other.

import type { Pool2dParams } from '../tensor/backend.ts';

/** Visits every in-image window tap with flat input and output indices; padding taps are skipped. */
function forEachWindowTap(p: Pool2dParams, fn: (xi: number, yi: number, at: number) => void): void {
  for (let plane = 0; plane < p.n * p.c; plane++)
    for (let oy = 0; oy < p.oh; oy++)
      for (let ox = 0; ox < p.ow; ox++) {
        const yi = (plane * p.oh + oy) * p.ow + ox;
        for (let ky = 0; ky < p.kh; ky++) {
          const iy = oy * p.strideH - p.padH + ky;
          if (iy < 0 || iy >= p.h) continue;
          for (let kx = 0; kx < p.kw; kx++) {
            const ix = ox * p.strideW - p.padW + kx;
            if (ix < 0 || ix >= p.w) continue;
            const at = iy * p.w + ix;
            fn(plane * p.h * p.w + at, yi, at);
          }
        }
      }
}

/** Padding counts as -Infinity. A window with no input inside gets -Infinity and index -1, which scatter and gather skip. */
export function maxPool2d(x: Float64Array, p: Pool2dParams): { values: Float64Array; indices: Float64Array } {
  const size = p.n * p.c * p.oh * p.ow;
  const values = new Float64Array(size).fill(-Infinity);
  const indices = new Float64Array(size).fill(-1);
  forEachWindowTap(p, (xi, yi, at) => {
    // Strictly greater, so ties keep the first position in row-major window order (the WGSL kernel agrees).
    if (indices[yi] < 0 || x[xi] > values[yi]) {
      values[yi] = x[xi];
      indices[yi] = at;
    }
  });
  return { values, indices };
}

/** Where output element yi's input plane starts in x. */
const planeOf = (yi: number, p: Pool2dParams) => Math.floor(yi / (p.oh * p.ow)) * p.h * p.w;

export function maxPool2dScatter(gy: Float64Array, indices: Float64Array, p: Pool2dParams): Float64Array {
  const gx = new Float64Array(p.n * p.c * p.h * p.w);
  // Overlapping windows may choose the same input: their gradients add up.
  for (let yi = 0; yi < gy.length; yi++) if (indices[yi] >= 0) gx[planeOf(yi, p) + indices[yi]] += gy[yi];
  return gx;
}

export function maxPool2dGather(x: Float64Array, indices: Float64Array, p: Pool2dParams): Float64Array {
  const y = new Float64Array(indices.length);
  for (let yi = 0; yi < y.length; yi++) y[yi] = indices[yi] >= 0 ? x[planeOf(yi, p) + indices[yi]] : -Infinity;
  return y;
}

/**
 * Divisor of each window, as PyTorch in floor mode: kh * kw with countIncludePad (every window lies inside the padded
 * image), else the number of taps inside the image.
 */
function divisors(p: Pool2dParams): Float64Array {
  const d = new Float64Array(p.n * p.c * p.oh * p.ow);
  if (p.countIncludePad) return d.fill(p.kh * p.kw);
  forEachWindowTap(p, (_xi, yi) => d[yi]++);
  return d;
}

export function avgPool2d(x: Float64Array, p: Pool2dParams): Float64Array {
  const y = new Float64Array(p.n * p.c * p.oh * p.ow);
  forEachWindowTap(p, (xi, yi) => (y[yi] += x[xi]));
  const d = divisors(p);
  for (let yi = 0; yi < y.length; yi++) y[yi] /= d[yi];
  return y;
}

export function avgPool2dGrad(gy: Float64Array, p: Pool2dParams): Float64Array {
  const gx = new Float64Array(p.n * p.c * p.h * p.w);
  const d = divisors(p);
  forEachWindowTap(p, (xi, yi) => (gx[xi] += gy[yi] / d[yi]));
  return gx;
}
