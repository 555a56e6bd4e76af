// Direct float64 convolutions, the definitions the WGSL kernels are checked against. All three walk the same taps, so
// grad-input and grad-weight are the exact adjoints of conv2d. Grad-input writes only where some tap lands, so input
// rows and columns past the last window (conv_transpose2d's output_padding) stay 0.

import type { Conv2dParams } from '../tensor/backend.ts';

/** Visits every (n, co, oy, ox, ci, ky, kx) whose input position lies inside the image, with flat x, w and y indices. */
function forEachTap(p: Conv2dParams, fn: (xi: number, wi: number, yi: number) => void): void {
  for (let n = 0; n < p.n; n++)
    for (let co = 0; co < p.cOut; co++)
      for (let oy = 0; oy < p.oh; oy++)
        for (let ox = 0; ox < p.ow; ox++) {
          const yi = ((n * p.cOut + co) * p.oh + oy) * p.ow + ox;
          for (let ci = 0; ci < p.cIn; ci++)
            for (let ky = 0; ky < p.kh; ky++) {
              const iy = oy * p.strideH - p.padH + ky * p.dilationH;
              if (iy < 0 || iy >= p.h) continue; // zero padding contributes nothing
              for (let kx = 0; kx < p.kw; kx++) {
                const ix = ox * p.strideW - p.padW + kx * p.dilationW;
                if (ix < 0 || ix >= p.w) continue;
                fn(((n * p.cIn + ci) * p.h + iy) * p.w + ix, ((co * p.cIn + ci) * p.kh + ky) * p.kw + kx, yi);
              }
            }
        }
}

/** Adds bias[c] to every element of channel c of y [n, c, plane]. */
function addBias(y: Float64Array, bias: Float64Array | null | undefined, plane: number): Float64Array {
  if (bias) for (let i = 0; i < y.length; i++) y[i] += bias[Math.floor(i / plane) % bias.length];
  return y;
}

export function conv2d(x: Float64Array, w: Float64Array, p: Conv2dParams, bias?: Float64Array | null): Float64Array {
  const y = new Float64Array(p.n * p.cOut * p.oh * p.ow);
  forEachTap(p, (xi, wi, yi) => (y[yi] += x[xi] * w[wi]));
  return addBias(y, bias, p.oh * p.ow);
}

export function conv2dGradInput(
  gy: Float64Array,
  w: Float64Array,
  p: Conv2dParams,
  bias?: Float64Array | null,
): Float64Array {
  const gx = new Float64Array(p.n * p.cIn * p.h * p.w);
  forEachTap(p, (xi, wi, yi) => (gx[xi] += gy[yi] * w[wi]));
  return addBias(gx, bias, p.h * p.w);
}

export function conv2dGradWeight(x: Float64Array, gy: Float64Array, p: Conv2dParams): Float64Array {
  const gw = new Float64Array(p.cOut * p.cIn * p.kh * p.kw);
  forEachTap(p, (xi, wi, yi) => (gw[wi] += x[xi] * gy[yi]));
  return gw;
}
