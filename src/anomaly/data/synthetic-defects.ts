// Shapes and image operations the categories' defects are made of. A shape is an opacity map in [0, 1], anti-aliased
// over about one pixel; a defect's region is one such map (its mask is opacity >= 0.5). The defects of the built-in
// dataset keep the normal colour and intensity range: they move, replace, rotate or blur the normal pattern, or draw it
// with another normal part's appearance, rather than paint new colours.

import { clamp01, type Random, type Rgb } from './synthetic-surfaces.ts';

export type Point = [number, number];

/** Opacity of a polyline of the given width (pixels). */
export function polyline(s: number, points: Point[], width: number): Float32Array {
  const alpha = new Float32Array(s * s);
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let d = Infinity;
      for (let k = 1; k < points.length; k++) {
        const [ax, ay] = points[k - 1];
        const [bx, by] = points[k];
        const len2 = (bx - ax) ** 2 + (by - ay) ** 2 || 1;
        const t = clamp01(((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / len2);
        d = Math.min(d, Math.hypot(px - ax - t * (bx - ax), py - ay - t * (by - ay)));
      }
      alpha[y * s + x] = clamp01(width / 2 + 0.5 - d);
    }
  }
  return alpha;
}

/** Opacity of an irregular round blob: the radius wobbles with the angle by up to `wobble` of itself. */
export function blob(r: Random, s: number, [cx, cy]: Point, radius: number, wobble: number): Float32Array {
  const harmonics = [2, 3, 5].map((k) => ({ k, a: (r() * wobble) / 2, phase: r() * 2 * Math.PI }));
  const alpha = new Float32Array(s * s);
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const angle = Math.atan2(dy, dx);
      let wave = 0;
      for (const h of harmonics) wave += h.a * Math.sin(h.k * angle + h.phase);
      const rr = radius * (1 + wave);
      alpha[y * s + x] = clamp01(rr - Math.hypot(dx, dy) + 0.5);
    }
  }
  return alpha;
}

/** Opacity of an axis-aligned rectangle [x0, x1) x [y0, y1). */
export function rect(s: number, x0: number, y0: number, x1: number, y1: number): Float32Array {
  const alpha = new Float32Array(s * s);
  for (let y = 0; y < s; y++) {
    const cy = clamp01(Math.min(y + 1, y1) - Math.max(y, y0));
    for (let x = 0; x < s; x++) alpha[y * s + x] = cy * clamp01(Math.min(x + 1, x1) - Math.max(x, x0));
  }
  return alpha;
}

/** A random walk from `start`, `steps` segments of `step` pixels, turning by up to `turn` radians at each. */
export function walk(r: Random, start: Point, angle: number, steps: number, step: number, turn: number): Point[] {
  const points: Point[] = [start];
  for (let k = 0; k < steps; k++) {
    angle += (r() - 0.5) * 2 * turn;
    const [x, y] = points[points.length - 1];
    points.push([x + step * Math.cos(angle), y + step * Math.sin(angle)]);
  }
  return points;
}

/** A random point at least `margin` (a fraction of s) inside the image, where a defect is not cut off by the border. */
export const site = (r: Random, s: number, margin = 0.15): Point => [
  (margin + (1 - 2 * margin) * r()) * s,
  (margin + (1 - 2 * margin) * r()) * s,
];

/** A smooth bump, 1 at `centre` and falling to 0 at `radius`: (1 - d^2 / radius^2)^2. */
export function bump([cx, cy]: Point, radius: number): (x: number, y: number) => number {
  return (x, y) => {
    const q = ((x - cx) ** 2 + (y - cy) ** 2) / (radius * radius);
    return q < 1 ? (1 - q) ** 2 : 0;
  };
}

/** The pixels whose centre (px, py) is inside a shape, as an opacity of 0 or 1. */
export function regionWhere(s: number, inside: (px: number, py: number) => boolean): Float32Array {
  const alpha = new Float32Array(s * s);
  for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) alpha[y * s + x] = inside(x + 0.5, y + 0.5) ? 1 : 0;
  return alpha;
}

/**
 * A copy of planar RGB `rgb` (side s) with `pixel(px, py)`, the colour at a pixel's centre, blended in by `alpha`;
 * pixels where alpha is 0 are not drawn.
 */
export function redrawn(rgb: Float32Array, s: number, alpha: Float32Array, pixel: (px: number, py: number) => Rgb) {
  const out = rgb.slice();
  for (let i = 0; i < s * s; i++) {
    if (alpha[i] === 0) continue;
    const c = pixel((i % s) + 0.5, Math.floor(i / s) + 0.5);
    for (let k = 0; k < 3; k++) out[k * s * s + i] += (c[k] - out[k * s * s + i]) * alpha[i];
  }
  return out;
}

/** `base` with `other` blended in by `alpha` (planar RGB of side s; a new array). */
export function blend(base: Float32Array, other: Float32Array, alpha: Float32Array): Float32Array {
  const plane = alpha.length;
  return base.map((v, j) => v + (other[j] - v) * alpha[j % plane]);
}

/** Planar RGB of side s blurred by a Gaussian of this sigma (pixels beyond the border repeat the edge). */
export function blurred(rgb: Float32Array, s: number, sigma: number): Float32Array {
  const radius = Math.ceil(3 * sigma);
  const w = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
  const total = w.reduce((a, b) => a + b, 0);
  const pass = (src: Float32Array, dx: number, dy: number) => {
    const out = new Float32Array(src.length);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < s; y++) {
        for (let x = 0; x < s; x++) {
          let sum = 0;
          for (let k = -radius; k <= radius; k++) {
            const xx = Math.min(s - 1, Math.max(0, x + k * dx));
            const yy = Math.min(s - 1, Math.max(0, y + k * dy));
            sum += w[k + radius] * src[c * s * s + yy * s + xx];
          }
          out[c * s * s + y * s + x] = sum / total;
        }
      }
    }
    return out;
  };
  return pass(pass(rgb, 1, 0), 0, 1);
}
