// Defects painted onto a rendered surface, each with its pixel mask. Every painter draws a geometric opacity `alpha`
// (soft-edged, restricted to the surface's coverage); the mask is alpha >= 0.5. Subtle variants are faint (low contrast)
// or small; holes and missing pieces cannot be faint, so their subtle variants are always small.

import { valueNoise, type Random, type Surface } from './synthetic-surfaces.ts';

export type DefectKind = 'scratch' | 'spot' | 'hole' | 'crack' | 'contamination' | 'missing';
export type Subtlety = 'low-contrast' | 'small' | null;

type Point = [number, number];
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** Opacity of a polyline of the given width (pixels), anti-aliased over one pixel. */
function polyline(s: number, points: Point[], width: number): Float32Array {
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
function blob(r: Random, s: number, [cx, cy]: Point, radius: number, wobble: number): Float32Array {
  const harmonics = [2, 3, 5].map((k) => ({ k, a: (r() * wobble) / 2, phase: r() * 2 * Math.PI }));
  const alpha = new Float32Array(s * s);
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const angle = Math.atan2(dy, dx);
      const rr = radius * (1 + harmonics.reduce((sum, h) => sum + h.a * Math.sin(h.k * angle + h.phase), 0));
      alpha[y * s + x] = clamp01(rr - Math.hypot(dx, dy) + 0.5);
    }
  }
  return alpha;
}

/** Opacity of an axis-aligned rectangle [x0, x1) x [y0, y1), anti-aliased at its edges. */
function rect(s: number, x0: number, y0: number, x1: number, y1: number): Float32Array {
  const alpha = new Float32Array(s * s);
  for (let y = 0; y < s; y++) {
    const cy = clamp01(Math.min(y + 1, y1) - Math.max(y, y0));
    for (let x = 0; x < s; x++) alpha[y * s + x] = cy * clamp01(Math.min(x + 1, x1) - Math.max(x, x0));
  }
  return alpha;
}

/** A random walk from `start`, `steps` segments of `step` pixels, turning a little at each. */
function walk(r: Random, start: Point, angle: number, steps: number, step: number, turn: number): Point[] {
  const points: Point[] = [start];
  for (let k = 0; k < steps; k++) {
    angle += (r() - 0.5) * 2 * turn;
    const [x, y] = points[points.length - 1];
    points.push([x + step * Math.cos(angle), y + step * Math.sin(angle)]);
  }
  return points;
}

/** How a defect changes a pixel: the new value of channel k given the current value, where alpha is the opacity there. */
type Paint = (value: number, k: number, i: number, alpha: number) => number;

interface Drawn {
  alpha: Float32Array;
  paint: Paint;
}

const pick = <T>(r: Random, items: readonly T[]) => items[Math.floor(r() * items.length)];
const mix = (a: number, b: number, t: number) => a + (b - a) * t;

/** One defect of a kind, placed at `at` (a pixel on the part); contrast is 1 normally, lower when faint; scale likewise. */
function draw(
  kind: DefectKind,
  r: Random,
  surface: Surface,
  s: number,
  at: Point,
  contrast: number,
  scale: number,
): Drawn {
  const angle = r() * 2 * Math.PI;
  switch (kind) {
    case 'scratch': {
      // A slightly bent line through `at`, brighter or darker than the surface.
      const half = (s * (0.15 + 0.3 * r()) * scale) / 2;
      const bend = (r() - 0.5) * 0.25 * half;
      const [x, y] = at;
      const [c, d] = [Math.cos(angle), Math.sin(angle)];
      const points: Point[] = [
        [x - c * half, y - d * half],
        [x - d * bend, y + c * bend],
        [x + c * half, y + d * half],
      ];
      const delta = (r() < 0.6 ? 1 : -1) * (0.18 + 0.12 * r()) * contrast;
      return { alpha: polyline(s, points, 0.8 + 0.6 * r()), paint: (v, _k, _i, a) => v + a * delta };
    }
    case 'crack': {
      // A jagged dark line, with a side branch when it is not a small one.
      const step = s * 0.03;
      const points = walk(r, at, angle, Math.round((6 + 6 * r()) * scale), step, 0.5);
      const alpha = polyline(s, points, 0.9 + 0.5 * r());
      if (scale === 1) {
        const branch = polyline(
          s,
          walk(r, points[Math.floor(points.length / 2)], angle + (r() < 0.5 ? 1 : -1), 4, step, 0.5),
          0.7,
        );
        for (let i = 0; i < alpha.length; i++) alpha[i] = Math.max(alpha[i], branch[i]);
      }
      return { alpha, paint: (v, _k, _i, a) => v * (1 - a * 0.75 * contrast) };
    }
    case 'spot': {
      // A stain: the surface shifts towards a stain colour.
      const color = pick(r, [
        [0.35, 0.2, 0.1],
        [0.55, 0.3, 0.12],
        [0.2, 0.2, 0.2],
      ] as const);
      const alpha = blob(r, s, at, Math.max(1.2, s * (0.035 + 0.04 * r()) * scale), 0.3);
      return { alpha, paint: (v, k, _i, a) => mix(v, color[k], a * 0.7 * contrast) };
    }
    case 'hole': {
      const alpha = blob(r, s, at, Math.max(1.2, s * (0.025 + 0.035 * r()) * scale), 0.15);
      return { alpha, paint: (v, _k, _i, a) => mix(v, 0.04, a * contrast) };
    }
    case 'contamination': {
      // Foreign matter with its own texture: fibres, dust, oil.
      const color = pick(r, [
        [0.35, 0.45, 0.3],
        [0.3, 0.35, 0.6],
        [0.92, 0.92, 0.9],
        [0.1, 0.1, 0.1],
      ] as const);
      const texture = valueNoise(r, s, 2, 2);
      const alpha = blob(r, s, at, Math.max(1.5, s * (0.05 + 0.05 * r()) * scale), 0.45);
      return { alpha, paint: (v, k, i, a) => mix(v, color[k] * (0.85 + 0.3 * texture[i]), a * 0.75 * contrast) };
    }
    case 'missing': {
      const reveal: Paint = (v, k, i, a) => mix(v, surface.under[k * s * s + i], a * contrast);
      const grid = surface.grid;
      if (grid?.kind === 'threads') {
        // A missing thread segment: a strip one thread wide along the thread under `at`.
        const length = grid.pitch * (2 + 3 * r()) * scale;
        const centre = (v: number, o: number) => (Math.floor((v + o) / grid.pitch) + 0.5) * grid.pitch - o;
        const w = grid.pitch * 0.9;
        const [x, y] = [centre(at[0], grid.ox), centre(at[1], grid.oy)];
        const alpha =
          r() < 0.5
            ? rect(s, at[0] - length / 2, y - w / 2, at[0] + length / 2, y + w / 2)
            : rect(s, x - w / 2, at[1] - length / 2, x + w / 2, at[1] + length / 2);
        return { alpha, paint: reveal };
      }
      if (grid?.kind === 'tiles') {
        // A chipped corner: a blob centred on the joint crossing nearest to `at`.
        const corner = (v: number, o: number) => Math.round((v + o) / grid.pitch) * grid.pitch - o + 0.5;
        const radius = Math.max(1.5, grid.pitch * (0.3 + 0.2 * r()) * scale);
        return { alpha: blob(r, s, [corner(at[0], grid.ox), corner(at[1], grid.oy)], radius, 0.5), paint: reveal };
      }
      // Objects: a chunk broken out of the part's edge; otherwise a piece missing around `at`.
      const centre = surface.edgePoint?.(r) ?? at;
      return { alpha: blob(r, s, centre, Math.max(1.5, s * (0.07 + 0.07 * r()) * scale), 0.5), paint: reveal };
    }
  }
}

export interface Defect {
  mask: Uint8Array; // [s, s] of 0 and 1
  pixels: number;
  subtlety: Subtlety; // as drawn
}

/**
 * Paints one defect into `rgb` (planar, in place) and returns its mask. The position is drawn on the part (coverage
 * near 1); a draw whose mask would be empty (a thin scratch off the part) is redrawn.
 */
export function paintDefect(
  kind: DefectKind,
  subtlety: Subtlety,
  r: Random,
  surface: Surface,
  rgb: Float32Array,
  s: number,
): Defect {
  if (subtlety && (kind === 'hole' || kind === 'missing')) subtlety = 'small';
  const contrast = subtlety === 'low-contrast' ? 0.35 : 1;
  const scale = subtlety === 'small' ? 0.5 : 1;
  for (;;) {
    // Defects keep a margin from the image border, where they would be cut off.
    let at: Point;
    do at = [(0.1 + 0.8 * r()) * s, (0.1 + 0.8 * r()) * s];
    while (surface.coverage[Math.floor(at[1]) * s + Math.floor(at[0])] < 0.99);
    const { alpha, paint } = draw(kind, r, surface, s, at, contrast, scale);
    const mask = new Uint8Array(s * s);
    let pixels = 0;
    for (let i = 0; i < s * s; i++) {
      alpha[i] *= surface.coverage[i];
      if (alpha[i] >= 0.5) pixels += mask[i] = 1;
    }
    if (pixels === 0) continue;
    for (let i = 0; i < s * s; i++) {
      if (alpha[i] > 0) for (let k = 0; k < 3; k++) rgb[k * s * s + i] = paint(rgb[k * s * s + i], k, i, alpha[i]);
    }
    return { mask, pixels, subtlety };
  }
}
