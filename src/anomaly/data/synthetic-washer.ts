// 'washer': a machined metal washer on a dark background, with faint machining rings and two turned grooves; its
// position (up to 5% of the side off centre), size and light direction change per image.
// Defects move or remove the washer's own structure:
//   groove   a stretch of a groove broken off (filled level with the metal)
//   dent     the rim pushed in, the grooves bent with it
//   crack    a thin radial crack from the rim, as dark as a groove
//   missing  a chip broken out of the rim

import { blob, polyline, redrawn, regionWhere, walk, type Point } from './synthetic-defects.ts';
import {
  clamp01,
  fill,
  mixRgb,
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

const KINDS = ['groove', 'dent', 'crack', 'missing'] as const;
type Kind = (typeof KINDS)[number];

/** Grooves' radii as fractions of the way from the inner to the outer rim. */
const GROOVES = [0.33, 0.7];

function draw(r: Random, s: number): Surface<Kind> {
  const cx = s / 2 + (r() - 0.5) * 0.1 * s;
  const cy = s / 2 + (r() - 0.5) * 0.1 * s;
  const outer = 0.36 * s * (1 + (r() - 0.5) * 0.04);
  const inner = 0.16 * s * (1 + (r() - 0.5) * 0.04);
  const lightAngle = -0.75 * Math.PI + (r() - 0.5) * 0.6;
  const noise = valueNoise(r, s, 1, 1);
  const unit = s / 64;
  const grooveWidth = s / 32;
  const background = (px: number, py: number): Rgb => {
    const v = 1 - 0.15 * Math.hypot(px / s - 0.5, py / s - 0.5) + 0.04 * (sample(noise, s, px, py) - 0.5);
    return [0.14 * v, 0.15 * v, 0.17 * v];
  };
  /**
   * The washer at (px, py), its metal read at radius `d` (default: the point's own) so defects can move it; `filled`
   * leaves out one groove (its index).
   */
  const shade = (px: number, py: number, d = Math.hypot(px - cx, py - cy), filled = -1): Rgb => {
    const coverage = clamp01(outer - d + 0.5) * clamp01(d - inner + 0.5);
    const bg = background(px, py);
    if (coverage === 0) return bg;
    const u = (d - inner) / (outer - inner);
    const lambert = Math.cos(Math.atan2(py - cy, px - cx) - lightAngle);
    // Machining rings, an overall light gradient, bevels at both rims, and grooves lit on their outer wall.
    let metal = 0.62 + 0.015 * Math.sin((d * 2 * Math.PI) / (s / 16)) + 0.05 * lambert;
    metal += 0.02 * (sample(noise, s, px, py) - 0.5);
    if (u > 0.85) metal += 0.25 * lambert * ((u - 0.85) / 0.15);
    if (u < 0.15) metal -= 0.25 * lambert * ((0.15 - u) / 0.15);
    for (let k = 0; k < GROOVES.length; k++) {
      const t = (d - (inner + GROOVES[k] * (outer - inner))) / grooveWidth;
      if (k !== filled && Math.abs(t) < 1) metal -= (0.2 + 0.1 * lambert * t) * (1 - t * t);
    }
    return mixRgb(bg, [0.95 * metal, 0.97 * metal, metal], coverage);
  };
  const rgb = fill(s, (x, y) => shade(x + 0.5, y + 0.5));

  const defect = (kind: Kind, r: Random, { amount, size }: Strength): Drawn => {
    const phi = r() * 2 * Math.PI;
    const polar = (px: number, py: number) => {
      const a = Math.atan2(py - cy, px - cx) - phi;
      return { d: Math.hypot(px - cx, py - cy), a: Math.atan2(Math.sin(a), Math.cos(a)) };
    };
    const rim: Point = [cx + outer * Math.cos(phi), cy + outer * Math.sin(phi)];
    /** A shape cut at the washer's outer rim: cracks and chips are in the metal. */
    const withinRim = (alpha: Float32Array) =>
      alpha.map((v, i) => v * clamp01(outer - Math.hypot((i % s) + 0.5 - cx, Math.floor(i / s) + 0.5 - cy) + 0.5));
    switch (kind) {
      case 'groove': {
        const k = r() < 0.5 ? 0 : 1;
        const span = uniform(r, 0.8, 1.3) * size;
        const radius = inner + GROOVES[k] * (outer - inner);
        const region = regionWhere(s, (px, py) => {
          const { d, a } = polar(px, py);
          return Math.abs(a) < span / 2 && Math.abs(d - radius) < grooveWidth;
        });
        const out = redrawn(
          rgb,
          s,
          region.map((v) => v * amount),
          (px, py) => shade(px, py, undefined, k),
        );
        return { rgb: out, region };
      }
      case 'dent': {
        // Radius d shows the metal from radius d + depth * (angular bump) * (how far out d is)^2.
        const depth = uniform(r, 3, 4.5) * unit * amount;
        const width = uniform(r, 0.3, 0.45) * size;
        const region = new Float32Array(s * s);
        const out = fill(s, (x, y, i) => {
          const { d, a } = polar(x + 0.5, y + 0.5);
          const q = (a / width) ** 2;
          const shift = q < 1 ? depth * (1 - q) ** 2 * clamp01((d - inner) / (outer - inner)) ** 2 : 0;
          region[i] = shift >= 0.5 * unit && d < outer + 0.5 ? 1 : 0;
          return shade(x + 0.5, y + 0.5, d + shift);
        });
        return { rgb: out, region };
      }
      case 'crack': {
        const length = (outer - inner) * uniform(r, 0.6, 0.9) * size;
        const start: Point = [cx + (outer + 1) * Math.cos(phi), cy + (outer + 1) * Math.sin(phi)];
        const line = polyline(s, walk(r, start, phi + Math.PI, 6, (length + 1) / 6, 0.35), Math.max(1, 1.6 * unit));
        const region = withinRim(line);
        const out = redrawn(
          rgb,
          s,
          region.map((v) => v * amount),
          (px, py) => {
            const metal = shade(px, py);
            return [metal[0] * 0.5, metal[1] * 0.5, metal[2] * 0.5];
          },
        );
        return { rgb: out, region };
      }
      case 'missing': {
        const region = withinRim(blob(r, s, rim, uniform(r, 3, 4.5) * unit * size, 0.4));
        return { rgb: redrawn(rgb, s, region, background), region };
      }
    }
  };
  return { rgb, defect };
}

export const washer: SurfaceCategory<Kind> = { kinds: KINDS, draw };
