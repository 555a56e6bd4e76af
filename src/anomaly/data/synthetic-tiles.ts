// 'tiles': square ceramic tiles with grout joints, a lit and a shaded bevel, slight per-tile tone differences and
// speckle; the grid's offset, the glaze colour and the tones change per image.
// Defects put tiles and grout where they do not belong, in their own colours:
//   rotated  one tile turned in its place
//   shifted  one tile pushed out of line, so its joints are uneven
//   swapped  a piece cut from elsewhere in the grid, its joints out of line with the rest
//   crack    a jagged grout-dark line across a tile

import { polyline, redrawn, regionWhere, site, walk, type Point } from './synthetic-defects.ts';
import {
  fill,
  jitter,
  pick,
  sample,
  uniform,
  valueNoise,
  type Drawn,
  type Random,
  type Rgb,
  type Strength,
  type Surface,
  type SurfaceCategory,
} from './synthetic-surfaces.ts';

const KINDS = ['rotated', 'shifted', 'swapped', 'crack'] as const;
type Kind = (typeof KINDS)[number];

const CORNERS = [
  [-0.25, -0.25],
  [0.25, -0.25],
  [-0.25, 0.25],
  [0.25, 0.25],
];

/** The mean of a colour function over 2 x 2 points of a pixel, which smooths edges that cross it at an angle. */
const supersampled =
  (colour: (px: number, py: number) => Rgb) =>
  (px: number, py: number): Rgb => {
    const sum: Rgb = [0, 0, 0];
    for (const [dx, dy] of CORNERS) {
      const c = colour(px + dx, py + dy);
      for (let k = 0; k < 3; k++) sum[k] += c[k] / 4;
    }
    return sum;
  };

function draw(r: Random, s: number): Surface<Kind> {
  const pitch = s / 4;
  const joint = Math.max(1, Math.round(s / 40));
  const ox = Math.floor(r() * pitch);
  const oy = Math.floor(r() * pitch);
  const base = jitter(r, [0.74, 0.76, 0.8], 0.03);
  const perRow = Math.ceil(s / pitch) + 1;
  const tone = Float32Array.from({ length: perRow * perRow }, () => 1 + (r() - 0.5) * 0.05);
  const speckle = valueNoise(r, s, 1, 1);
  const grout = (px: number, py: number): Rgb => {
    const v = 0.92 + 0.16 * sample(speckle, s, px, py);
    return [0.5 * v, 0.48 * v, 0.45 * v];
  };
  /** A tile's face at (fx, fy) from its corner, fx and fy in [joint, pitch); speckle read at (px, py). */
  const face = (fx: number, fy: number, t: number, px: number, py: number): Rgb => {
    const bevel = fx < joint + 1 || fy < joint + 1 ? 1.06 : fx >= pitch - 1 || fy >= pitch - 1 ? 0.9 : 1;
    const v = t * bevel * (0.97 + 0.06 * sample(speckle, s, px, py));
    return [base[0] * v, base[1] * v, base[2] * v];
  };
  /** The tiling at (px, py), with the grid moved by (dx, dy) pixels. */
  const shade = (px: number, py: number, dx = 0, dy = 0): Rgb => {
    const X = px + ox + dx;
    const Y = py + oy + dy;
    const [i, j] = [Math.floor(X / pitch), Math.floor(Y / pitch)];
    const [fx, fy] = [X - i * pitch, Y - j * pitch];
    if (fx < joint || fy < joint) return grout(px, py);
    return face(fx, fy, tone[(((j % perRow) + perRow) % perRow) * perRow + (((i % perRow) + perRow) % perRow)], px, py);
  };
  const rgb = fill(s, (x, y) => shade(x + 0.5, y + 0.5));

  const defect = (kind: Kind, r: Random, { amount, size }: Strength): Drawn => {
    const at = site(r, s, 0.2);
    // The tile under `at`: its grid cell [x0, x0 + pitch) x [y0, y0 + pitch), the face inset by the joint.
    const x0 = Math.floor((at[0] + ox) / pitch) * pitch - ox;
    const y0 = Math.floor((at[1] + oy) / pitch) * pitch - oy;
    const t = tone[(Math.floor((at[1] + oy) / pitch) % perRow) * perRow + (Math.floor((at[0] + ox) / pitch) % perRow)];
    const [cx, cy] = [x0 + (joint + pitch) / 2, y0 + (joint + pitch) / 2];
    const half = (pitch - joint) / 2;
    switch (kind) {
      case 'rotated': {
        // Turned about its centre; its old place shows grout where the turned face does not cover it. The region is
        // where face and grout traded places and the bevels along both outlines; the face's middle does not change.
        const angle = uniform(r, 0.2, 0.35) * amount * (r() < 0.5 ? 1 : -1);
        const [c, d] = [Math.cos(angle), Math.sin(angle)];
        const turn = (px: number, py: number) => [c * (px - cx) + d * (py - cy), -d * (px - cx) + c * (py - cy)];
        const inPlace = (px: number, py: number) => Math.max(Math.abs(px - cx), Math.abs(py - cy)) < half;
        const inTurned = (px: number, py: number) => Math.max(...turn(px, py).map(Math.abs)) < half;
        const turned = (px: number, py: number): Rgb => {
          const [u, v] = turn(px, py);
          if (inTurned(px, py)) return face(u + half + joint, v + half + joint, t, px, py);
          return inPlace(px, py) ? grout(px, py) : shade(px, py);
        };
        const area = regionWhere(s, (px, py) => Math.max(Math.abs(px - cx), Math.abs(py - cy)) < half * Math.SQRT2);
        const nearOutline = (px: number, py: number) =>
          Math.abs(Math.max(Math.abs(px - cx), Math.abs(py - cy)) - half) < 1.5 ||
          Math.abs(Math.max(...turn(px, py).map(Math.abs)) - half) < 1.5;
        const region = regionWhere(
          s,
          (px, py) =>
            inPlace(px, py) !== inTurned(px, py) || (nearOutline(px, py) && (inPlace(px, py) || inTurned(px, py))),
        );
        return { rgb: redrawn(rgb, s, area, supersampled(turned)), region };
      }
      case 'shifted': {
        // Pushed by a few pixels: it covers part of a joint on one side and leaves a wide joint on the other.
        const angle = r() * 2 * Math.PI;
        const push = Math.max(1, uniform(r, 2.5, 3.5) * (s / 64) * amount);
        const [dx, dy] = [push * Math.cos(angle), push * Math.sin(angle)];
        const inFace = (px: number, py: number, mx: number, my: number) =>
          Math.abs(px - cx - mx) < half && Math.abs(py - cy - my) < half;
        const region = regionWhere(s, (px, py) => inFace(px, py, 0, 0) !== inFace(px, py, dx, dy));
        const moved = (px: number, py: number): Rgb =>
          inFace(px, py, dx, dy) ? face(px - dx - x0, py - dy - y0, t, px, py) : grout(px, py);
        return { rgb: redrawn(rgb, s, region, supersampled(moved)), region };
      }
      case 'swapped': {
        // A rectangle of tiling from another part of the grid, its joints offset by a third to half a tile.
        const [w, h] = [pitch * uniform(r, 0.9, 1.3) * size, pitch * uniform(r, 0.9, 1.3) * size];
        const offset = () => pitch * uniform(r, 0.3, 0.5) * amount * pick(r, [-1, 1]);
        const [dx, dy] = [offset(), offset()];
        const region = regionWhere(s, (px, py) => Math.abs(px - at[0]) < w / 2 && Math.abs(py - at[1]) < h / 2);
        return { rgb: redrawn(rgb, s, region, (px, py) => shade(px, py, dx, dy)), region };
      }
      case 'crack': {
        // Across the face from near one edge towards the other.
        const angle = r() * 2 * Math.PI;
        const length = 2 * half * uniform(r, 0.7, 1) * size;
        const start: Point = [cx - (Math.cos(angle) * length) / 2, cy - (Math.sin(angle) * length) / 2];
        const region = polyline(s, walk(r, start, angle, 6, length / 6, 0.45), Math.max(1, 1.2 * (s / 64)));
        const inside = regionWhere(s, (px, py) => Math.max(Math.abs(px - cx), Math.abs(py - cy)) < half);
        region.forEach((a, i) => (region[i] = a * inside[i]));
        return {
          rgb: redrawn(
            rgb,
            s,
            region.map((a) => a * amount),
            grout,
          ),
          region,
        };
      }
    }
  };
  return { rgb, defect };
}

export const tiles: SurfaceCategory<Kind> = { kinds: KINDS, draw };
