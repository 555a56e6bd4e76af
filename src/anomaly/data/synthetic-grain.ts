// 'grain': wood. Dark latewood rings, warped by low-frequency noise, with fine streaks along the grain; the rings'
// direction, period, phase and warp and the wood's colours change per image.
// Defects draw wood where the grain does not belong, in the wood's own two colours:
//   knot     rings wrapping around a dark core
//   crack    a jagged latewood-dark line across the grain
//   patch    a rectangular plug whose grain runs across the rest
//   scratch  a thin earlywood-light line across the grain

import { polyline, redrawn, rect, site, walk, type Point } from './synthetic-defects.ts';
import {
  clamp01,
  fill,
  jitter,
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

const KINDS = ['knot', 'crack', 'patch', 'scratch'] as const;
type Kind = (typeof KINDS)[number];

function draw(r: Random, s: number): Surface<Kind> {
  const theta = (r() - 0.5) * 0.3;
  const period = (s / 5) * (0.9 + 0.2 * r());
  const phase = r();
  const warp = valueNoise(r, s, s / 5, s / 1.6);
  const streaks = valueNoise(r, s, 2, s / 4);
  const light = jitter(r, [0.8, 0.6, 0.4], 0.04);
  const dark = jitter(r, [0.5, 0.31, 0.17], 0.04);
  /** Ring coordinate (in periods) at point (px, py). */
  const rings = (px: number, py: number, angle: number) =>
    ((px - s / 2) * Math.cos(angle) + (py - s / 2) * Math.sin(angle)) / period + 1.2 * sample(warp, s, px, py) + phase;
  /** The wood's colour at ring coordinate u, with the streaks at (px, py). */
  const shade = (u: number, px: number, py: number): Rgb => {
    const ring = (0.5 + 0.5 * Math.cos(2 * Math.PI * u)) ** 3;
    const m = Math.min(1, 0.7 * ring + 0.3 * sample(streaks, s, px, py));
    return mixRgb(light, dark, m);
  };
  const rgb = fill(s, (x, y) => shade(rings(x + 0.5, y + 0.5, theta), x + 0.5, y + 0.5));

  const defect = (kind: Kind, r: Random, { amount, size }: Strength): Drawn => {
    const at = site(r, s);
    // Lines run across the grain, up to about 25 degrees off square to it.
    const across = theta + Math.PI / 2 + (r() - 0.5) * 0.9 + (r() < 0.5 ? Math.PI : 0);
    switch (kind) {
      case 'knot': {
        // The ring coordinate gets a peak at the knot, so the rings close around it; the core is latewood. The region
        // is where the rings moved by more than a seventh of a period.
        const radius = s * uniform(r, 0.08, 0.11) * size;
        const height = uniform(r, 1.2, 1.8) * amount;
        const core = radius * uniform(r, 0.25, 0.35);
        const region = new Float32Array(s * s);
        const out = fill(s, (x, y, i) => {
          const d = Math.hypot(x + 0.5 - at[0], y + 0.5 - at[1]);
          const lift = height * Math.max(0, 1 - d / (1.6 * radius)) ** 2;
          region[i] = lift > 1 / 7 || d < core ? 1 : 0;
          const wood = shade(rings(x + 0.5, y + 0.5, theta) + lift, x + 0.5, y + 0.5);
          return mixRgb(dark, wood, clamp01(d - core));
        });
        return { rgb: out, region };
      }
      case 'crack':
      case 'scratch': {
        const length = s * uniform(r, 0.3, 0.45) * size;
        const [c, d] = [Math.cos(across), Math.sin(across)];
        const start: Point = [at[0] - (c * length) / 2, at[1] - (d * length) / 2];
        const points: Point[] =
          kind === 'crack'
            ? walk(r, start, across, 8, length / 8, 0.4)
            : [start, [start[0] + c * length, start[1] + d * length]];
        const region = polyline(s, points, Math.max(1, (kind === 'crack' ? 1.6 : 1.3) * (s / 64)));
        const colour = kind === 'crack' ? dark : light;
        return {
          rgb: redrawn(
            rgb,
            s,
            region.map((a) => a * amount),
            () => colour,
          ),
          region,
        };
      }
      case 'patch': {
        // A plug whose grain is turned square to the rest (faint: by less): the wood around it, rotated.
        const [w, h] = [s * uniform(r, 0.18, 0.26) * size, s * uniform(r, 0.18, 0.26) * size];
        const turn = (Math.PI / 2) * amount * (r() < 0.5 ? 1 : -1);
        const [c, d] = [Math.cos(turn), Math.sin(turn)];
        const region = rect(s, at[0] - w / 2, at[1] - h / 2, at[0] + w / 2, at[1] + h / 2);
        const out = redrawn(rgb, s, region, (px, py) => {
          const [qx, qy] = [at[0] + c * (px - at[0]) + d * (py - at[1]), at[1] - d * (px - at[0]) + c * (py - at[1])];
          return shade(rings(qx, qy, theta), qx, qy);
        });
        return { rgb: out, region };
      }
    }
  };
  return { rgb, defect };
}

export const grain: SurfaceCategory<Kind> = { kinds: KINDS, draw };
