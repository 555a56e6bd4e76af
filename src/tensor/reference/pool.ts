// Float64 pooling and its adjoints.

import type { Pool2dParams } from '../backend.ts';

/** Visits every window tap (plane, output index, input y, input x), padding taps included with iy/ix out of range. */
function forEachWindowTap(p: Pool2dParams, fn: (plane: number, out: number, iy: number, ix: number) => void): void {
  for (let plane = 0; plane < p.n * p.c; plane++) for (let oy = 0; oy < p.oh; oy++) for (let ox = 0; ox < p.ow; ox++) {
    const out = (plane * p.oh + oy) * p.ow + ox;
    for (let ky = 0; ky < p.kh; ky++) for (let kx = 0; kx < p.kw; kx++) fn(plane, out, oy * p.strideH - p.padH + ky, ox * p.strideW - p.padW + kx);
  }
}

const inside = (p: Pool2dParams, iy: number, ix: number) => iy >= 0 && iy < p.h && ix >= 0 && ix < p.w;

export function maxPool2d(x: Float64Array, p: Pool2dParams): { values: Float64Array; indices: Float64Array } {
  const size = p.n * p.c * p.oh * p.ow;
  const values = new Float64Array(size).fill(-Infinity);
  const indices = new Float64Array(size).fill(-1);
  forEachWindowTap(p, (plane, out, iy, ix) => {
    if (!inside(p, iy, ix)) return;
    const v = x[plane * p.h * p.w + iy * p.w + ix];
    if (v > values[out]) { // strict: ties keep the first in row-major window order
      values[out] = v;
      indices[out] = iy * p.w + ix;
    }
  });
  return { values, indices };
}

export function maxPool2dScatter(gy: Float64Array, indices: Float64Array, p: Pool2dParams): Float64Array {
  const gx = new Float64Array(p.n * p.c * p.h * p.w);
  for (let out = 0; out < gy.length; out++) {
    const plane = Math.floor(out / (p.oh * p.ow));
    gx[plane * p.h * p.w + indices[out]] += gy[out];
  }
  return gx;
}

export function maxPool2dGather(x: Float64Array, indices: Float64Array, p: Pool2dParams): Float64Array {
  const y = new Float64Array(indices.length);
  for (let out = 0; out < y.length; out++) y[out] = x[Math.floor(out / (p.oh * p.ow)) * p.h * p.w + indices[out]];
  return y;
}

/** Divisor of each window: kh*kw with countIncludePad (padding taps only; PyTorch clips windows to the padded image), else in-image taps. */
function divisors(p: Pool2dParams): Float64Array {
  const d = new Float64Array(p.n * p.c * p.oh * p.ow);
  forEachWindowTap(p, (_plane, out, iy, ix) => {
    const inPadded = iy >= -p.padH && iy < p.h + p.padH && ix >= -p.padW && ix < p.w + p.padW;
    if (p.countIncludePad ? inPadded : inside(p, iy, ix)) d[out]++;
  });
  return d;
}

export function avgPool2d(x: Float64Array, p: Pool2dParams): Float64Array {
  const y = new Float64Array(p.n * p.c * p.oh * p.ow);
  const d = divisors(p);
  forEachWindowTap(p, (plane, out, iy, ix) => {
    if (inside(p, iy, ix)) y[out] += x[plane * p.h * p.w + iy * p.w + ix] / d[out];
  });
  return y;
}

export function avgPool2dGrad(gy: Float64Array, p: Pool2dParams): Float64Array {
  const gx = new Float64Array(p.n * p.c * p.h * p.w);
  const d = divisors(p);
  forEachWindowTap(p, (plane, out, iy, ix) => {
    if (inside(p, iy, ix)) gx[plane * p.h * p.w + iy * p.w + ix] += gy[out] / d[out];
  });
  return gx;
}
